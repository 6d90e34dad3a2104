-- Finds the ten statement digests with the most total execution time (at least 1 s) since the digest table was last
-- reset (needs performance_schema = ON with the statements_digest consumer; the handler skips the check otherwise).
-- Why: tuning the few statements that consume most of the server's time is where effort pays off.
SELECT d.SCHEMA_NAME AS schema_name, d.DIGEST AS object_name,
       LEFT(REPLACE(REPLACE(d.DIGEST_TEXT, CHAR(10), ' '), '`', ''), 120) AS query_text,
       d.COUNT_STAR AS calls, ROUND(d.SUM_TIMER_WAIT / 1000000000000, 3) AS total_seconds,
       ROUND(d.AVG_TIMER_WAIT / 1000000000, 3) AS avg_ms, d.SUM_ROWS_EXAMINED AS rows_examined,
       d.SUM_ROWS_SENT AS rows_sent, d.SUM_NO_INDEX_USED AS executions_without_index,
       ROUND(100 * d.SUM_TIMER_WAIT / NULLIF(t.total_wait, 0), 1) AS percent_of_total,
       d.FIRST_SEEN AS first_seen
FROM performance_schema.events_statements_summary_by_digest d
CROSS JOIN (SELECT SUM(SUM_TIMER_WAIT) AS total_wait FROM performance_schema.events_statements_summary_by_digest) t
WHERE d.DIGEST IS NOT NULL
  AND d.SUM_TIMER_WAIT >= 1000000000000
  AND COALESCE(d.SCHEMA_NAME, '') NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
  AND COALESCE(d.SCHEMA_NAME, '') = COALESCE(DATABASE(), d.SCHEMA_NAME, '')
ORDER BY d.SUM_TIMER_WAIT DESC
LIMIT 10
