-- Finds, on Azure SQL Database only (EngineEdition 5), a database whose allocated data pages are at least 80 % of
-- DATABASEPROPERTYEX MaxSizeInBytes; on other editions it returns nothing.
-- Why: an Azure SQL database cannot grow past its tier's maximum size: at the limit every insert and update fails
-- with error 1105 / 40544 until space is freed or the limit is raised.
SELECT DB_NAME() AS object_name,
       SUM(CAST(FILEPROPERTY(f.name, 'SpaceUsed') AS bigint)) * 8 / 1024 AS used_mb,
       CAST(DATABASEPROPERTYEX(DB_NAME(), 'MaxSizeInBytes') AS bigint) / 1048576 AS max_size_mb,
       CAST(100.0 * SUM(CAST(FILEPROPERTY(f.name, 'SpaceUsed') AS bigint)) * 8192
            / CAST(DATABASEPROPERTYEX(DB_NAME(), 'MaxSizeInBytes') AS bigint) AS decimal(5, 1)) AS percent_used
FROM sys.database_files AS f
WHERE f.type = 0 AND CAST(SERVERPROPERTY('EngineEdition') AS int) = 5
HAVING SUM(CAST(FILEPROPERTY(f.name, 'SpaceUsed') AS bigint)) * 8192
       >= 0.8 * CAST(DATABASEPROPERTYEX(DB_NAME(), 'MaxSizeInBytes') AS bigint)
