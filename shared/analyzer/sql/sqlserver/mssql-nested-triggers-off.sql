-- Finds the server configuration option 'nested triggers' with a running value (value_in_use) = 0.
-- Why: with nesting off, a trigger's own changes do not fire the triggers of the tables it touches, so integrity or
-- audit triggers silently miss those rows.
SELECT c.name AS setting_name, CAST(c.value_in_use AS int) AS setting_value
FROM sys.configurations AS c
WHERE c.name = N'nested triggers' AND CAST(c.value_in_use AS int) = 0
