-- Finds this database when its log files together are larger than its data files together and at least 1 GB.
-- Why: a log bigger than the data almost always means log backups are missing or something holds the log (an open
-- transaction, replication, an AG replica); it lengthens restores and can fill the disk.
SELECT DB_NAME() AS object_name,
       SUM(CASE WHEN f.type = 1 THEN CAST(f.size AS bigint) ELSE 0 END) * 8 / 1024 AS log_size_mb,
       SUM(CASE WHEN f.type = 0 THEN CAST(f.size AS bigint) ELSE 0 END) * 8 / 1024 AS data_size_mb,
       (SELECT d.log_reuse_wait_desc FROM sys.databases AS d WHERE d.database_id = DB_ID()) AS log_reuse_wait
FROM sys.database_files AS f
HAVING SUM(CASE WHEN f.type = 1 THEN CAST(f.size AS bigint) ELSE 0 END) >
       SUM(CASE WHEN f.type = 0 THEN CAST(f.size AS bigint) ELSE 0 END)
   AND SUM(CASE WHEN f.type = 1 THEN CAST(f.size AS bigint) ELSE 0 END) * 8 / 1024 >= 1024
