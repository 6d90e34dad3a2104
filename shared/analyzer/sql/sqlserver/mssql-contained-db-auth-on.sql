-- Finds the server configuration option 'contained database authentication' with a running value (value_in_use) = 1.
-- Why: users of a contained database log in without a server login, outside server-level password policy and auditing;
-- a database owner can create them.
SELECT c.name AS setting_name, CAST(c.value_in_use AS int) AS setting_value
FROM sys.configurations AS c
WHERE c.name = N'contained database authentication' AND CAST(c.value_in_use AS int) = 1
