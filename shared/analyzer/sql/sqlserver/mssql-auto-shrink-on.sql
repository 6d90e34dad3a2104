-- Finds this database with AUTO_SHRINK on.
-- Why: repeated shrink and regrow cycles fragment indexes completely, burn I/O and CPU, and fragment the files.
SELECT d.name AS object_name, 'AUTO_SHRINK' AS setting_name, 'ON' AS setting_value
FROM sys.databases AS d
WHERE d.database_id = DB_ID() AND d.is_auto_shrink_on = 1
