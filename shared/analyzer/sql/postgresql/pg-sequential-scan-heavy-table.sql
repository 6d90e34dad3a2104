-- Finds tables with at least 10,000 live rows that were read by sequential scan at least 100 times since the
-- statistics were reset, averaging 10,000+ rows per scan, and scanned sequentially more often than by index.
-- Why: repeated full scans of a large table usually mean a missing index for a frequent query; they burn I/O and
-- cache and slow down as the table grows.
SELECT s.schemaname AS schema_name, s.relname AS table_name, s.n_live_tup, s.seq_scan,
       COALESCE(s.idx_scan, 0) AS idx_scan, s.seq_tup_read, s.seq_tup_read / s.seq_scan AS rows_per_seq_scan,
       (SELECT COALESCE(d.stats_reset, pg_postmaster_start_time()) FROM pg_stat_database d
         WHERE d.datname = current_database()) AS stats_since
FROM pg_stat_user_tables s
WHERE s.seq_scan >= 100
  AND s.n_live_tup >= 10000
  AND s.seq_tup_read / s.seq_scan >= 10000
  AND s.seq_scan > COALESCE(s.idx_scan, 0)
  AND s.schemaname NOT IN ('pg_catalog', 'information_schema')
  AND s.schemaname !~ '^pg_(toast|temp_)'
ORDER BY s.seq_tup_read DESC, 1, 2
