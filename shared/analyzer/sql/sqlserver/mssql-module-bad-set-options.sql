-- Finds modules (procedures, functions, views, triggers) stored with ANSI_NULLS OFF or QUOTED_IDENTIFIER OFF.
-- Why: the settings are frozen into the module at creation; with either off, statements fail on tables that have
-- filtered indexes, indexed views or indexed computed columns, and = NULL comparisons behave non-standardly.
SELECT s.name AS schema_name, o.name AS object_name, o.type_desc AS object_type,
       CASE WHEN m.uses_ansi_nulls = 1 THEN 'ON' ELSE 'OFF' END AS ansi_nulls,
       CASE WHEN m.uses_quoted_identifier = 1 THEN 'ON' ELSE 'OFF' END AS quoted_identifier
FROM sys.sql_modules AS m
JOIN sys.objects AS o ON o.object_id = m.object_id
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE (m.uses_ansi_nulls = 0 OR m.uses_quoted_identifier = 0) AND o.is_ms_shipped = 0
