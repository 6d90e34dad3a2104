-- Finds a server whose tempdb has only one data file.
-- Why: with one file, all sessions creating temporary tables, sorts and versions contend for the same allocation
-- pages; several equally sized files spread that contention.
SELECT 'tempdb' AS object_name, COUNT(*) AS file_count, (SELECT o.cpu_count FROM sys.dm_os_sys_info AS o) AS cpu_count
FROM sys.master_files AS f
WHERE f.database_id = 2 AND f.type = 0
HAVING COUNT(*) = 1
