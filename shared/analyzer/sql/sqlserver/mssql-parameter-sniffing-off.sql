-- Finds this database's scoped configuration PARAMETER_SNIFFING set to 0.
-- Why: turning sniffing off trades occasional bad plans for consistently mediocre ones on every parameterized query,
-- which usually costs more than it saves.
SELECT DB_NAME() AS object_name, c.name AS setting_name, CAST(c.value AS nvarchar(100)) AS setting_value
FROM sys.database_scoped_configurations AS c
WHERE c.name = N'PARAMETER_SNIFFING' AND CAST(c.value AS int) = 0
