-- Finds the xp_cmdshell option enabled.
-- Why: it lets T-SQL run operating-system commands as the service account, the classic path from SQL injection to
-- owning the server.
SELECT c.name AS setting_name, CAST(c.value_in_use AS int) AS setting_value
FROM sys.configurations AS c
WHERE c.name = N'xp_cmdshell' AND CAST(c.value_in_use AS int) = 1
