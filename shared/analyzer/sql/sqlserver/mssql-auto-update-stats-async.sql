-- Finds this database with AUTO_UPDATE_STATISTICS_ASYNC ON.
-- Why: asynchronous updates avoid compile stalls but let the triggering queries (often the big ones after a load) run
-- with the stale estimates.
SELECT d.name AS object_name, 'AUTO_UPDATE_STATISTICS_ASYNC' AS setting_name, 'ON' AS setting_value
FROM sys.databases AS d
WHERE d.database_id = DB_ID() AND d.is_auto_update_stats_async_on = 1
