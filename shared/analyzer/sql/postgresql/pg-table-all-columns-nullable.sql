-- Finds user tables with at least one column outside the primary key, all of which are nullable (tables without a
-- primary key count every column).
-- Why: if nothing but the key is required, rows with no data at all are valid; mandatory attributes are almost
-- always meant to be NOT NULL, and the constraint also lets the planner and the application rely on it.
SELECT n.nspname AS schema_name, c.relname AS table_name, count(*) AS nullable_count
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p'
                    AND a.attnum = ANY (k.conkey))
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                    AND d.deptype = 'e')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
GROUP BY n.nspname, c.relname
HAVING bool_and(NOT a.attnotnull)
ORDER BY 1, 2
