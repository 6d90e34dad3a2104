-- Finds this database with AUTO_CLOSE on.
-- Why: the database is closed after the last connection and reopened on the next, flushing the plan and buffer
-- caches and adding latency to every first connection.
SELECT d.name AS object_name, 'AUTO_CLOSE' AS setting_name, 'ON' AS setting_value
FROM sys.databases AS d
WHERE d.database_id = DB_ID() AND d.is_auto_close_on = 1
