-- Finds user stored procedures whose names start with sp_.
-- Why: the sp_ prefix makes SQL Server look in master first (an extra lookup and cache miss on every call), and a
-- system procedure of the same name added by an upgrade silently wins.
SELECT s.name AS schema_name, o.name AS object_name
FROM sys.objects AS o
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE o.type = 'P' AND o.is_ms_shipped = 0 AND o.name LIKE 'sp[_]%'
