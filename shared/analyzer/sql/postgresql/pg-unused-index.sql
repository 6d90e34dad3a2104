-- Finds valid indexes that have never been scanned since the statistics were last reset, excluding indexes that
-- enforce a constraint (primary key, unique, exclusion) and so are needed even when never read.
-- Why: an unused index costs disk, memory, WAL and write latency on every insert/update and buys nothing. Usage
-- counters are per server: check replicas (and a full business cycle) before dropping.
SELECT s.schemaname AS schema_name, s.relname AS table_name, s.indexrelname AS index_name,
       s.idx_scan, pg_relation_size(s.indexrelid) AS index_size_bytes,
       pg_size_pretty(pg_relation_size(s.indexrelid)) AS index_size,
       (SELECT COALESCE(d.stats_reset, pg_postmaster_start_time()) FROM pg_stat_database d
         WHERE d.datname = current_database()) AS stats_since
FROM pg_stat_user_indexes s
JOIN pg_index i ON i.indexrelid = s.indexrelid
WHERE s.idx_scan = 0
  AND i.indisvalid
  AND NOT i.indisunique
  AND NOT i.indisprimary
  AND s.indexrelid NOT IN (SELECT k.conindid FROM pg_constraint k WHERE k.conindid <> 0)
  AND s.schemaname NOT IN ('pg_catalog', 'information_schema')
  AND s.schemaname !~ '^pg_(toast|temp_)'
ORDER BY index_size_bytes DESC, 1, 2, 3
