-- Finds data and log files of this database that have a MAXSIZE (not unlimited) and use at least 80 % of it.
-- Why: a file that hits its maximum stops growing and every insert or transaction that needs space fails.
SELECT DB_NAME() AS object_name, f.name AS file_name, CAST(f.size AS bigint) * 8 / 1024 AS size_mb,
       CAST(f.max_size AS bigint) * 8 / 1024 AS max_size_mb,
       CAST(100.0 * f.size / f.max_size AS decimal(5, 1)) AS percent_used,
       CASE WHEN f.size >= 0.95 * f.max_size THEN 'critical' ELSE 'high' END AS severity
FROM sys.database_files AS f
WHERE f.max_size > 0 AND f.max_size <> 268435456 AND f.size >= 0.8 * f.max_size
