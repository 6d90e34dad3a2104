-- Finds the server configuration option 'max worker threads' with a running value (value_in_use) <> 0.
-- Why: a fixed limit too low causes THREADPOOL waits and refused connections, too high wastes memory; 0 sizes it from the
-- hardware.
SELECT c.name AS setting_name, CAST(c.value_in_use AS int) AS setting_value
FROM sys.configurations AS c
WHERE c.name = N'max worker threads' AND CAST(c.value_in_use AS int) <> 0
