-- Finds tables with at least 10,000 dead row versions making up more than 20 % of the live rows.
-- Why: dead tuples are space vacuum has not reclaimed yet; they slow every scan, bloat indexes and signal that
-- autovacuum is falling behind, disabled, or blocked by a long transaction or replication slot.
SELECT s.schemaname AS schema_name, s.relname AS table_name, s.n_live_tup, s.n_dead_tup,
       round(100.0 * s.n_dead_tup / GREATEST(s.n_live_tup + s.n_dead_tup, 1), 1) AS dead_percent,
       COALESCE(GREATEST(s.last_vacuum, s.last_autovacuum)::text, 'never') AS last_vacuumed_text
FROM pg_stat_user_tables s
WHERE s.n_dead_tup >= /*:min_dead_rows*/ 10000
  AND s.n_dead_tup > /*:dead_percent*/ 20 / 100.0 * s.n_live_tup
  AND s.schemaname NOT IN ('pg_catalog', 'information_schema')
  AND s.schemaname !~ '^pg_(toast|temp_)'
ORDER BY s.n_dead_tup DESC, 1, 2
