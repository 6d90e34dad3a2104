-- Finds the server configuration option 'fill factor (%)' with a running value (value_in_use) <> 0.
-- Why: a lower default makes every new index larger and every scan read more pages, on all tables, to help a few.
SELECT c.name AS setting_name, CAST(c.value_in_use AS int) AS setting_value
FROM sys.configurations AS c
WHERE c.name = N'fill factor (%)' AND CAST(c.value_in_use AS int) <> 0
