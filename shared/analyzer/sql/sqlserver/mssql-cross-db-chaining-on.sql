-- Finds the server configuration option 'cross db ownership chaining' with a running value (value_in_use) = 1.
-- Why: with server-wide chaining, permission checks are skipped across databases owned by the same login, which lets
-- a db_owner of one database read or change another.
SELECT c.name AS setting_name, CAST(c.value_in_use AS int) AS setting_value
FROM sys.configurations AS c
WHERE c.name = N'cross db ownership chaining' AND CAST(c.value_in_use AS int) = 1
