-- Finds the server configuration option 'priority boost' with a running value (value_in_use) = 1.
-- Why: at high priority SQL Server can starve the OS and the cluster service, causing failovers and hangs; Microsoft
-- deprecates the option.
SELECT c.name AS setting_name, CAST(c.value_in_use AS int) AS setting_value
FROM sys.configurations AS c
WHERE c.name = N'priority boost' AND CAST(c.value_in_use AS int) = 1
