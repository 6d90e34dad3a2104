-- Finds the server configuration option 'query governor cost limit' with a running value (value_in_use) <> 0.
-- Why: estimates are often wrong, so legitimate queries fail at random after a statistics change.
SELECT c.name AS setting_name, CAST(c.value_in_use AS int) AS setting_value
FROM sys.configurations AS c
WHERE c.name = N'query governor cost limit' AND CAST(c.value_in_use AS int) <> 0
