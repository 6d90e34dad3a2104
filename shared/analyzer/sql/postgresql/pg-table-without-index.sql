-- Finds tables holding at least 10,000 rows (estimated) that have no index at all.
-- Why: every lookup, join, update and delete on such a table is a full sequential scan, and nothing enforces
-- uniqueness; small lookup tables are left out because a scan of a few pages is cheap.
SELECT n.nspname AS schema_name, c.relname AS table_name,
       GREATEST(c.reltuples, COALESCE(s.n_live_tup, 0))::bigint AS estimated_rows,
       pg_relation_size(c.oid) AS table_size_bytes
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
WHERE c.relkind = 'r'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
  AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid)
  AND GREATEST(c.reltuples, COALESCE(s.n_live_tup, 0)) >= /*:min_rows*/ 10000
ORDER BY 1, 2
