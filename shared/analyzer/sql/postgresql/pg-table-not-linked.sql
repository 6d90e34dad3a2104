-- Finds user tables (not partitions, not extension-owned) that take part in no foreign key, neither as the
-- referencing nor as the referenced table (a key to itself does not count as a link).
-- Why: in a relational model almost every table relates to another; an island is often a staging or service table,
-- a table left behind by a removed feature, or a relationship nobody declared (so nothing enforces it).
SELECT n.nspname AS schema_name, c.relname AS table_name, pg_size_pretty(pg_table_size(c.oid)) AS table_size
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid NOT IN (SELECT k.conrelid FROM pg_constraint k WHERE k.contype = 'f' AND k.conrelid <> k.confrelid
                    UNION ALL
                    SELECT k.confrelid FROM pg_constraint k WHERE k.contype = 'f' AND k.conrelid <> k.confrelid)
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                    AND d.deptype = 'e')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2
