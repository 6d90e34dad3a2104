-- Finds AUTO_CREATE_STATISTICS or AUTO_UPDATE_STATISTICS turned off for this database.
-- Why: without them the optimizer works from missing or stale statistics unless a job maintains them by hand.
SELECT d.name AS object_name, 'AUTO_CREATE_STATISTICS' AS setting_name, 'OFF' AS setting_value
FROM sys.databases AS d
WHERE d.database_id = DB_ID() AND d.is_auto_create_stats_on = 0
UNION ALL
SELECT d.name AS object_name, 'AUTO_UPDATE_STATISTICS' AS setting_name, 'OFF' AS setting_value
FROM sys.databases AS d
WHERE d.database_id = DB_ID() AND d.is_auto_update_stats_on = 0
