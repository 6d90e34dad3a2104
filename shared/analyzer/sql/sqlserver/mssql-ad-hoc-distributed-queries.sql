-- Finds the 'Ad Hoc Distributed Queries' option enabled.
-- Why: OPENROWSET / OPENDATASOURCE then let any user connect to other servers or read files with ad hoc
-- credentials, bypassing linked-server controls.
SELECT c.name AS setting_name, CAST(c.value_in_use AS int) AS setting_value
FROM sys.configurations AS c
WHERE c.name = N'Ad Hoc Distributed Queries' AND CAST(c.value_in_use AS int) = 1
