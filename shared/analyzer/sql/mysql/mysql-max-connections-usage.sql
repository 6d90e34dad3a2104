-- Finds a server whose peak of simultaneous connections since start-up (Max_used_connections) reached at least
-- 85 % of max_connections (MySQLTuner's threshold).
-- Why: when the limit is reached, every new client is refused with "Too many connections", typically during the
-- very peak the system must survive.
SELECT 'max_connections' AS setting_name, CAST(c.max_connections AS UNSIGNED) AS max_connections,
       CAST(c.max_used_connections AS UNSIGNED) AS max_used_connections,
       ROUND(100 * c.max_used_connections / c.max_connections) AS used_percent,
       CASE WHEN c.max_used_connections >= c.max_connections THEN 'critical' ELSE 'high' END AS severity
FROM {counters} c
WHERE c.max_used_connections >= 0.85 * c.max_connections
