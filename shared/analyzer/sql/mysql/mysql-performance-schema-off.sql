-- Finds a server with performance_schema = OFF (MariaDB's default; MySQL's default is ON).
-- Why: without it there are no per-index usage counters, no statement digests and no wait statistics, so unused
-- indexes and the most expensive queries cannot be identified from the server.
SELECT 'performance_schema' AS setting_name, 'OFF' AS setting_value
FROM {counters} c
WHERE c.performance_schema = 0
