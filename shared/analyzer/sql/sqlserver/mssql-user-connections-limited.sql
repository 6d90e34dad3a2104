-- Finds the server configuration option 'user connections' with a running value (value_in_use) <> 0.
-- Why: once the cap is reached, new connections are refused, typically at peak load.
SELECT c.name AS setting_name, CAST(c.value_in_use AS int) AS setting_value
FROM sys.configurations AS c
WHERE c.name = N'user connections' AND CAST(c.value_in_use AS int) <> 0
