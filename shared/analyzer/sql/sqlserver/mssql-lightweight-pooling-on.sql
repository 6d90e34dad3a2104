-- Finds the server configuration option 'lightweight pooling' with a running value (value_in_use) = 1.
-- Why: fiber mode breaks SQL CLR, linked servers and other components and only helps in rare, measured cases of
-- context-switch pressure.
SELECT c.name AS setting_name, CAST(c.value_in_use AS int) AS setting_value
FROM sys.configurations AS c
WHERE c.name = N'lightweight pooling' AND CAST(c.value_in_use AS int) = 1
