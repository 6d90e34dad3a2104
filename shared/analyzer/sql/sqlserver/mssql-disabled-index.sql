-- Finds disabled indexes.
-- Why: a disabled nonclustered index still occupies metadata but is neither maintained nor used; a disabled
-- clustered index makes the whole table unreadable.
SELECT s.name AS schema_name, t.name AS table_name, i.name AS index_name, i.type_desc AS index_type,
       CASE WHEN i.type = 1 THEN 'critical' ELSE 'medium' END AS severity
FROM sys.indexes AS i
JOIN sys.tables AS t ON t.object_id = i.object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE i.is_disabled = 1 AND t.is_ms_shipped = 0
ORDER BY s.name, t.name, i.name
