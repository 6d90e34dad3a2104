-- Finds valid indexes that have never been scanned since the statistics were last reset, excluding indexes that
-- enforce a constraint (primary key, unique, exclusion) and indexes that are the only support of a foreign key
-- (their columns lead it): both are needed even when no query reads them, and dropping the latter makes every
-- delete on the referenced table scan this one.
-- Why: an unused index costs disk, memory, WAL and write latency on every insert/update and buys nothing. Usage
-- counters are per server: check replicas (and a full business cycle) before dropping.
WITH fk_support AS (
    SELECT k.oid AS fk_oid, i.indexrelid::oid AS indexrelid
    FROM pg_constraint k
    JOIN pg_index i ON i.indrelid = k.conrelid AND i.indisvalid
                   AND (i.indkey::int2[])[0:cardinality(k.conkey) - 1] @> k.conkey
    WHERE k.contype = 'f'
)
SELECT s.schemaname AS schema_name, s.relname AS table_name, s.indexrelname AS index_name,
       s.idx_scan, pg_relation_size(s.indexrelid) AS index_size_bytes,
       pg_size_pretty(pg_relation_size(s.indexrelid)) AS index_size,
       (SELECT COALESCE(d.stats_reset, pg_postmaster_start_time()) FROM pg_stat_database d
         WHERE d.datname = current_database()) AS stats_since
FROM pg_stat_user_indexes s
JOIN pg_index i ON i.indexrelid = s.indexrelid
WHERE s.idx_scan <= /*:max_scans*/ 0
  AND i.indisvalid
  AND NOT i.indisunique
  AND NOT i.indisprimary
  AND s.indexrelid NOT IN (SELECT k.conindid FROM pg_constraint k WHERE k.conindid <> 0)
  AND s.indexrelid NOT IN (SELECT min(f.indexrelid) FROM fk_support f GROUP BY f.fk_oid HAVING count(*) = 1)
  AND s.schemaname NOT IN ('pg_catalog', 'information_schema')
  AND s.schemaname !~ '^pg_(toast|temp_)'
ORDER BY index_size_bytes DESC, 1, 2, 3
