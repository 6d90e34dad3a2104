-- Finds columns of tables declared as char(n) (bpchar) longer than one character (the PostgreSQL wiki's "Don't Do This" list), excluding
-- extension-owned tables and partitions (reported once on their parent).
-- Why: char(n) pads values with spaces that are then ignored or not depending on the operator, wastes space, and is no faster than text or varchar.
SELECT n.nspname AS schema_name, c.relname AS table_name, a.attname AS column_name,
       format_type(a.atttypid, a.atttypmod) AS column_type
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE a.attnum > 0
  AND NOT a.attisdropped
  AND a.atttypid = 'bpchar'::regtype AND a.atttypmod > 5
  AND c.relkind IN ('r', 'p', 'f')
  AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                    AND d.deptype = 'e')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2, 3
