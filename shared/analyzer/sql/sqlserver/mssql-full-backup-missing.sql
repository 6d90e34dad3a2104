-- Finds this database without a full backup in the last 7 days (per msdb's backup history).
-- Why: without a recent full backup, a storage failure or a bad deployment loses everything since the last one.
SELECT d.name AS object_name, d.recovery_model_desc AS setting_value, MAX(b.backup_finish_date) AS last_full_backup
FROM sys.databases AS d
LEFT JOIN msdb.dbo.backupset AS b ON b.database_name = d.name AND b.type = 'D'
WHERE d.database_id = DB_ID()
GROUP BY d.name, d.recovery_model_desc
HAVING MAX(b.backup_finish_date) IS NULL OR MAX(b.backup_finish_date) < DATEADD(day, -7, GETDATE())
