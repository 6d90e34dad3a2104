-- Finds the server configuration option 'scan for startup procs' with a running value (value_in_use) = 1.
-- Why: startup procedures run as sysadmin at each start without anyone calling them, a classic persistence mechanism.
SELECT c.name AS setting_name, CAST(c.value_in_use AS int) AS setting_value
FROM sys.configurations AS c
WHERE c.name = N'scan for startup procs' AND CAST(c.value_in_use AS int) = 1
