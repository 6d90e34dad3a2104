-- Finds a transaction log split into more than 1,000 virtual log files.
-- Why: many VLFs (from small autogrowth steps) slow database startup, restore, and log reader operations such as
-- replication and availability groups.
SELECT DB_NAME() AS object_name, COUNT(*) AS vlf_count,
       CASE WHEN COUNT(*) > 10000 THEN 'high' ELSE 'medium' END AS severity
FROM sys.dm_db_log_info(DB_ID()) AS li
HAVING COUNT(*) > 1000
