-- Finds server configuration options whose configured value (value) differs from the running value
-- (value_in_use).
-- Why: the difference is a change waiting for RECONFIGURE or a restart; it will surprise whoever restarts the
-- server next, possibly during an incident.
SELECT c.name AS setting_name, CAST(c.value_in_use AS bigint) AS setting_value, CAST(c.value AS bigint) AS configured_value
FROM sys.configurations AS c
WHERE CAST(c.value AS bigint) <> CAST(c.value_in_use AS bigint)
