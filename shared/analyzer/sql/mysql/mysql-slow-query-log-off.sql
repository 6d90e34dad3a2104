-- Finds a server where slow_query_log is OFF.
-- Why: without the slow query log (or performance_schema statement digests) there is no record of which statements
-- were slow, so tuning works from guesses.
SELECT 'slow_query_log' AS setting_name, CAST(@@GLOBAL.slow_query_log AS CHAR) AS setting_value
FROM DUAL
WHERE @@GLOBAL.slow_query_log = 0
