-- Finds user tables (not partitions, not extension-owned) with zero or one column.
-- Why: a table with no column holds nothing; one with a single column is usually a list of allowed values (better
-- a CHECK or enum, or a proper lookup table with a description) or half of a forgotten design.
SELECT n.nspname AS schema_name, c.relname AS table_name, count(a.attnum) AS column_count,
       COALESCE(': ' || string_agg(quote_ident(a.attname), ', '), '') AS column_list
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                    AND d.deptype = 'e')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
GROUP BY n.nspname, c.relname
HAVING count(a.attnum) <= 1
ORDER BY 1, 2
