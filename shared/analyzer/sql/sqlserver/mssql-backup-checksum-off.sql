-- Finds the server configuration option 'backup checksum default' with a running value (value_in_use) = 0.
-- Why: with checksums the backup reads and verifies each page's checksum and fails on corruption instead of preserving it.
SELECT c.name AS setting_name, CAST(c.value_in_use AS int) AS setting_value
FROM sys.configurations AS c
WHERE c.name = N'backup checksum default' AND CAST(c.value_in_use AS int) = 0
