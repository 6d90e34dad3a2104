-- Finds data or log files with percent autogrowth, or with autogrowth disabled.
-- Why: percent growth gets ever larger and slower (and log growth cannot use instant file initialisation); no
-- growth means the database stops accepting writes when the file is full.
SELECT DB_NAME() AS object_name, f.name AS column_name, f.type_desc AS object_type,
       CASE WHEN f.growth = 0 THEN 'no autogrowth' ELSE CAST(f.growth AS varchar(12)) + ' percent' END AS setting_value,
       f.size / 128 AS size_mb
FROM sys.database_files AS f
WHERE f.type IN (0, 1) AND (f.is_percent_growth = 1 OR f.growth = 0)
