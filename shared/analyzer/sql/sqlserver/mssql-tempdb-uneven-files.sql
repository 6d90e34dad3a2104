-- Finds a server whose tempdb data files differ in size or in growth setting.
-- Why: SQL Server fills files in proportion to their free space, so one larger file takes most allocations and the
-- allocation contention that several files should spread comes back.
SELECT 'tempdb' AS object_name, COUNT(*) AS file_count, MIN(CAST(f.size AS bigint)) * 8 / 1024 AS min_size_mb,
       MAX(CAST(f.size AS bigint)) * 8 / 1024 AS max_size_mb,
       COUNT(DISTINCT CAST(f.growth AS varchar(20)) + CAST(f.is_percent_growth AS varchar(1))) AS growth_settings
FROM sys.master_files AS f
WHERE f.database_id = 2 AND f.type = 0
HAVING COUNT(*) > 1
   AND (MIN(f.size) <> MAX(f.size)
        OR COUNT(DISTINCT CAST(f.growth AS varchar(20)) + CAST(f.is_percent_growth AS varchar(1))) > 1)
