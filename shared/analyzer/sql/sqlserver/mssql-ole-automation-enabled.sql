-- Finds the server configuration option 'Ole Automation Procedures' with a running value (value_in_use) = 1.
-- Why: sp_OA* procedures run COM objects inside the SQL Server process with its service account, an attack path like
-- xp_cmdshell and a stability risk.
SELECT c.name AS setting_name, CAST(c.value_in_use AS int) AS setting_value
FROM sys.configurations AS c
WHERE c.name = N'Ole Automation Procedures' AND CAST(c.value_in_use AS int) = 1
