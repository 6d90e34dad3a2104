-- Finds primary key columns of type varchar(n) or char(n) with n = 32, 36 or 38: the lengths of a UUID written
-- without dashes, with dashes, and with braces.
-- Why: as text a UUID takes 33-39 bytes in the table, in the key index and in every referencing column and index,
-- compares byte by byte under a collation and accepts malformed values; the uuid type is 16 bytes and validated.
WITH pk AS (
    SELECT k.conrelid, k.conname, n.nspname AS schema_name, c.relname AS table_name, c.relkind,
           k.conindid, k.conkey
    FROM pg_constraint k
    JOIN pg_class c ON c.oid = k.conrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE k.contype = 'p'
      AND k.conparentid = 0
      AND NOT c.relispartition
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname !~ '^pg_(toast|temp_)'
)
SELECT pk.schema_name, pk.table_name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS column_type,
       pk.conname AS constraint_name
FROM pk
JOIN pg_attribute a ON a.attrelid = pk.conrelid AND a.attnum = ANY (pk.conkey)
WHERE a.atttypid IN ('varchar'::regtype, 'bpchar'::regtype)
  AND a.atttypmod - 4 IN (32, 36, 38)
ORDER BY 1, 2, 3
