-- Finds user tables whose main fork is empty on disk (pg_relation_size = 0, which unlike pg_class.relpages does not
-- depend on VACUUM or ANALYZE having run); a partitioned table counts as empty when all its leaf partitions are.
-- Why: a table that never received a row is often unused, a leftover of a removed feature or a mistake in a
-- migration; it still costs catalog entries, grants and attention.
SELECT n.nspname AS schema_name, c.relname AS table_name,
       CASE c.relkind WHEN 'p' THEN 'partitioned table' ELSE 'table' END AS object_type
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                    AND d.deptype = 'e')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
  AND CASE WHEN c.relkind = 'p'
           THEN (SELECT COALESCE(sum(pg_relation_size(t.relid)), 0) FROM pg_partition_tree(c.oid) t WHERE t.isleaf)
           ELSE pg_relation_size(c.oid) END = 0
ORDER BY 1, 2
