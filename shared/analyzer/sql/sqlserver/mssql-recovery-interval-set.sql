-- Finds the server configuration option 'recovery interval (min)' with a running value (value_in_use) <> 0.
-- Why: a long interval means long crash recovery and bursts of checkpoint I/O; indirect checkpoints per database are
-- the modern control.
SELECT c.name AS setting_name, CAST(c.value_in_use AS int) AS setting_value
FROM sys.configurations AS c
WHERE c.name = N'recovery interval (min)' AND CAST(c.value_in_use AS int) <> 0
