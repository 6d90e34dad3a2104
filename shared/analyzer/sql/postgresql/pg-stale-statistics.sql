-- Finds tables where at least 1,000 rows and more than 20 % of the table changed since the last ANALYZE (or that
-- were never analyzed at all).
-- Why: the planner estimates row counts from these statistics; stale ones lead to wrong join orders and scan
-- choices, often the cause of a query that "suddenly" got slow. Autoanalyze normally fires at 10 %.
SELECT s.schemaname AS schema_name, s.relname AS table_name, s.n_live_tup, s.n_mod_since_analyze,
       GREATEST(s.last_analyze, s.last_autoanalyze) AS last_analyzed,
       COALESCE(GREATEST(s.last_analyze, s.last_autoanalyze)::text, 'never') AS last_analyzed_text
FROM pg_stat_user_tables s
JOIN pg_class c ON c.oid = s.relid
WHERE s.n_mod_since_analyze >= 1000
  AND s.n_mod_since_analyze > 0.2 * GREATEST(c.reltuples, 0)
  AND s.schemaname NOT IN ('pg_catalog', 'information_schema')
  AND s.schemaname !~ '^pg_(toast|temp_)'
ORDER BY s.n_mod_since_analyze DESC, 1, 2
