-- Finds columns of user tables declared varchar(n) with a length limit (plain varchar without n is left out).
-- Why: in PostgreSQL varchar(n) is stored exactly like text and is no faster; the limit is usually arbitrary, and
-- raising it means an ALTER TABLE (and recreating views that use the column). The PostgreSQL wiki lists it under
-- "Don't Do This"; a CHECK constraint expresses a real limit and is easy to change.
SELECT n.nspname AS schema_name, c.relname AS table_name, a.attname AS column_name,
       format_type(a.atttypid, a.atttypmod) AS column_type
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE a.attnum > 0
  AND NOT a.attisdropped
  AND a.atttypid = 'varchar'::regtype AND a.atttypmod > 0
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                    AND d.deptype = 'e')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2, 3
