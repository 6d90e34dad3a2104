-- Finds indexes marked invalid (pg_index.indisvalid = false), typically left behind by a failed or interrupted
-- CREATE INDEX CONCURRENTLY / REINDEX CONCURRENTLY.
-- Why: the planner never uses an invalid index, yet every write still maintains it; a failed unique index also
-- means the uniqueness it was meant to enforce is not enforced.
SELECT n.nspname AS schema_name, c.relname AS table_name, ci.relname AS index_name,
       i.indisunique AS is_unique, pg_relation_size(i.indexrelid) AS index_size_bytes,
       pg_get_indexdef(i.indexrelid) AS index_definition
FROM pg_index i
JOIN pg_class ci ON ci.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT i.indisvalid
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2, 3
