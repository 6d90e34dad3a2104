-- Finds this database's scoped configuration MAXDOP set to non-zero.
-- Why: a database-level MAXDOP silently overrides the server's, so tuning the server setting has no effect here.
SELECT DB_NAME() AS object_name, c.name AS setting_name, CAST(c.value AS nvarchar(100)) AS setting_value
FROM sys.database_scoped_configurations AS c
WHERE c.name = N'MAXDOP' AND CAST(c.value AS int) <> 0
