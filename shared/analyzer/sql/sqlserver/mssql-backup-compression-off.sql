-- Finds the server configuration option 'backup compression default' with a running value (value_in_use) = 0.
-- Why: compressed backups are typically several times smaller and faster to write and restore, at some CPU cost.
SELECT c.name AS setting_name, CAST(c.value_in_use AS int) AS setting_value
FROM sys.configurations AS c
WHERE c.name = N'backup compression default' AND CAST(c.value_in_use AS int) = 0
