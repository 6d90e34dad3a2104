-- Finds the server configuration option 'user options' with a running value (value_in_use) <> 0.
-- Why: server-wide user options change every session's behaviour (implicit transactions left open, ANSI settings),
-- surprising every application that did not ask for them.
SELECT c.name AS setting_name, CAST(c.value_in_use AS int) AS setting_value
FROM sys.configurations AS c
WHERE c.name = N'user options' AND CAST(c.value_in_use AS int) <> 0
