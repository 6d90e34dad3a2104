-- Finds this database when it has more than one transaction log file.
-- Why: SQL Server writes the log sequentially to one file at a time, so extra log files give no speed, only more
-- files to size, monitor and restore.
SELECT DB_NAME() AS object_name, COUNT(*) AS file_count
FROM sys.database_files AS f
WHERE f.type = 1
HAVING COUNT(*) > 1
