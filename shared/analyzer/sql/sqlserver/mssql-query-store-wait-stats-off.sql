-- Finds this database's Query Store (when it is on) with WAIT_STATS_CAPTURE_MODE OFF.
-- Why: per-query waits (locks, I/O, memory grants) are what explains a regression; without them Query Store shows
-- only that a query got slower.
SELECT DB_NAME() AS object_name, 'WAIT_STATS_CAPTURE_MODE' AS setting_name, 'OFF' AS setting_value
FROM sys.database_query_store_options AS q
WHERE q.actual_state <> 0 AND q.wait_stats_capture_mode = 0
