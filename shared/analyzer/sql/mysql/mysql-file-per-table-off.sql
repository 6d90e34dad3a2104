-- Finds a server where innodb_file_per_table is OFF.
-- Why: tables in the system tablespace (ibdata1) cannot give their space back to the file system when dropped or
-- truncated, and cannot use per-table features (compression, transportable tablespaces).
SELECT 'innodb_file_per_table' AS setting_name, CAST(@@GLOBAL.innodb_file_per_table AS CHAR) AS setting_value
FROM DUAL
WHERE @@GLOBAL.innodb_file_per_table = 0
