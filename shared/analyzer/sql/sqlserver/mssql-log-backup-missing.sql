-- Finds this database in FULL or BULK_LOGGED recovery without a log backup in the last 24 hours.
-- Why: the transaction log cannot be truncated and grows until the disk fills, and point-in-time restore beyond
-- the last log backup is impossible.
SELECT d.name AS object_name, 'RECOVERY' AS setting_name, d.recovery_model_desc AS setting_value,
       MAX(b.backup_finish_date) AS last_log_backup
FROM sys.databases AS d
LEFT JOIN msdb.dbo.backupset AS b ON b.database_name = d.name AND b.type = 'L'
WHERE d.database_id = DB_ID() AND d.recovery_model IN (1, 2)
GROUP BY d.name, d.recovery_model_desc
HAVING MAX(b.backup_finish_date) IS NULL OR MAX(b.backup_finish_date) < DATEADD(hour, -24, GETDATE())
