-- Finds the server configuration option 'default trace enabled' with a running value (value_in_use) = 0.
-- Why: the default trace is the built-in, lightweight record of DDL, file growths and security changes that many
-- tools and investigations depend on.
SELECT c.name AS setting_name, CAST(c.value_in_use AS int) AS setting_value
FROM sys.configurations AS c
WHERE c.name = N'default trace enabled' AND CAST(c.value_in_use AS int) = 0
