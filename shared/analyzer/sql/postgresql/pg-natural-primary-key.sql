-- Finds primary keys with at least one column whose type is not smallint, integer, bigint or uuid (on partitioned
-- tables date, time and timestamp types are accepted too, as range partition keys must be part of the key).
-- Why: natural keys (codes, names, e-mail addresses, numbers with meaning) change, and a change cascades into every
-- referencing row; they are also wider in every index and foreign key than a surrogate integer or uuid.
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
SELECT pk.schema_name, pk.table_name, pk.conname AS constraint_name,
       string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY u.ord)
           AS key_columns
FROM pk
CROSS JOIN LATERAL unnest(pk.conkey) WITH ORDINALITY AS u(attnum, ord)
JOIN pg_attribute a ON a.attrelid = pk.conrelid AND a.attnum = u.attnum
WHERE pk.relkind IN ('r', 'p')
GROUP BY pk.schema_name, pk.table_name, pk.conname, pk.relkind
HAVING bool_or(a.atttypid NOT IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype, 'uuid'::regtype)
               AND (pk.relkind = 'r'
                    OR a.atttypid NOT IN ('date'::regtype, 'timestamp'::regtype, 'timestamptz'::regtype,
                                          'time'::regtype, 'timetz'::regtype)))
ORDER BY 1, 2
