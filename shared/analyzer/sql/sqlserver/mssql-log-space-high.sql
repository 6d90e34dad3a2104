-- Finds a transaction log more than 80 % full.
-- Why: when the log fills (error 9002) every data modification in the database fails until space is freed.
SELECT DB_NAME() AS object_name, CAST(ls.used_log_space_in_percent AS decimal(5, 1)) AS used_percent,
       ls.total_log_size_in_bytes / 1048576 AS log_size_mb,
       CASE WHEN ls.used_log_space_in_percent >= 95 THEN 'critical' ELSE 'high' END AS severity,
       (SELECT d.log_reuse_wait_desc FROM sys.databases AS d WHERE d.database_id = DB_ID()) AS log_reuse_wait
FROM sys.dm_db_log_space_usage AS ls
WHERE ls.used_log_space_in_percent > 80
