-- Finds stored procedures created WITH RECOMPILE (sys.sql_modules.is_recompiled).
-- Why: the whole procedure is compiled on every execution, burning CPU, and nothing is cached, so its cost is
-- invisible in sys.dm_exec_query_stats; statement-level OPTION (RECOMPILE) targets the one query that needs it.
SELECT s.name AS schema_name, o.name AS object_name
FROM sys.sql_modules AS m
JOIN sys.objects AS o ON o.object_id = m.object_id
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE m.is_recompiled = 1 AND o.is_ms_shipped = 0
