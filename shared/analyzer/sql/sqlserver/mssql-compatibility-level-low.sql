-- Finds this database at a compatibility level below the server's native level (that of master).
-- Why: the database misses the optimizer improvements, intelligent query processing and T-SQL features of the
-- engine it runs on.
SELECT d.name AS object_name, 'COMPATIBILITY_LEVEL' AS setting_name, d.compatibility_level AS setting_value,
       m.compatibility_level AS server_level
FROM sys.databases AS d
CROSS JOIN sys.databases AS m
WHERE d.database_id = DB_ID() AND m.database_id = 1 AND d.compatibility_level < m.compatibility_level
