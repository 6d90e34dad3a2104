-- Finds columns of user tables typed text, ntext or image.
-- Why: these types are deprecated and will be removed; most string functions reject them and they are stored
-- off-row with extra I/O.
SELECT s.name AS schema_name, t.name AS table_name, c.name AS column_name, ty.name AS column_type
FROM sys.columns AS c
JOIN sys.tables AS t ON t.object_id = c.object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
JOIN sys.types AS ty ON ty.user_type_id = c.system_type_id
WHERE t.is_ms_shipped = 0 AND ty.name IN (N'text', N'ntext', N'image')
ORDER BY s.name, t.name, c.column_id
