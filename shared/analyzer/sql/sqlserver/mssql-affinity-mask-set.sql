-- Finds the server configuration option 'affinity mask' with a running value (value_in_use) <> 0.
-- Why: a fixed affinity leaves CPUs idle for SQL Server and is often a leftover of an old consolidation or test.
SELECT c.name AS setting_name, CAST(c.value_in_use AS int) AS setting_value
FROM sys.configurations AS c
WHERE c.name = N'affinity mask' AND CAST(c.value_in_use AS int) <> 0
