-- Finds user tables (not partitions, not extension-owned) without a description (COMMENT ON TABLE; blank counts as
-- none).
-- Why: the table comment says what one row represents; tools show it, and without it that knowledge lives only in
-- code and memory.
SELECT n.nspname AS schema_name, c.relname AS table_name, pg_table_size(c.oid) AS table_size_bytes
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
WHERE COALESCE(btrim(d.description), '') = ''
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                    AND d.deptype = 'e')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2
