-- Finds foreign key columns whose data type differs from the referenced column's type (int referencing bigint,
-- varchar referencing text, numeric referencing int ...).
-- Why: the referencing column can overflow before the key it points to, joins need implicit casts that can
-- defeat index use, and the mismatch usually betrays a schema change that was only half applied.
SELECT n.nspname AS schema_name, c.relname AS table_name, k.conname AS constraint_name,
       a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS column_type,
       k.confrelid::regclass::text AS referenced_table, ra.attname AS referenced_column,
       format_type(ra.atttypid, ra.atttypmod) AS referenced_type
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL unnest(k.conkey, k.confkey) AS u(attnum, refnum)
JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum
JOIN pg_attribute ra ON ra.attrelid = k.confrelid AND ra.attnum = u.refnum
WHERE k.contype = 'f'
  AND k.conparentid = 0
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
  AND a.atttypid <> ra.atttypid
ORDER BY 1, 2, 3, 4
