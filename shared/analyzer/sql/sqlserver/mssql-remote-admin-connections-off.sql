-- Finds the server configuration option 'remote admin connections' with a running value (value_in_use) = 0.
-- Why: the DAC is the way in when the server no longer accepts normal connections; on a clustered or remote server it
-- must accept remote connections to be usable at all.
SELECT c.name AS setting_name, CAST(c.value_in_use AS int) AS setting_value
FROM sys.configurations AS c
WHERE c.name = N'remote admin connections' AND CAST(c.value_in_use AS int) = 0
