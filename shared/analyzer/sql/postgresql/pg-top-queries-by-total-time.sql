-- Finds the statements of this database that account for the most total execution time since pg_stat_statements
-- was last reset (top 10, each at least 5 % of the total). Run by the pg_top_queries handler, which first checks
-- that the extension is installed and loaded. Query texts are pg_stat_statements' normalised forms (literals
-- replaced by $n), truncated.
-- Why: a handful of statements usually dominate the load; tuning them (indexes, rewrites, caching) gives the
-- biggest win for the least work.
WITH s AS (
    SELECT st.queryid, st.calls, st.total_exec_time, st.mean_exec_time, st.rows,
           left(regexp_replace(st.query, '\s+', ' ', 'g'), 300) AS query_text,
           sum(st.total_exec_time) OVER () AS all_time
    FROM pg_stat_statements st
    WHERE st.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
)
SELECT 'query ' || s.queryid AS object_name, 'statement' AS object_type, s.calls,
       round(s.total_exec_time::numeric, 1) AS total_ms, round(s.mean_exec_time::numeric, 2) AS mean_ms, s.rows,
       round((100 * s.total_exec_time / NULLIF(s.all_time, 0))::numeric, 1) AS percent_of_total, s.query_text,
       (SELECT stats_reset FROM pg_stat_statements_info) AS stats_since
FROM s
WHERE s.total_exec_time >= 0.05 * s.all_time
ORDER BY s.total_exec_time DESC
LIMIT 10
