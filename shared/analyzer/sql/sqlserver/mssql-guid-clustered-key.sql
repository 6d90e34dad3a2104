-- Finds clustered indexes whose leading key is a uniqueidentifier not filled by NEWSEQUENTIALID().
-- Why: random GUIDs insert all over the B-tree, causing page splits, fragmentation and a buffer pool full of
-- half-empty pages.
SELECT s.name AS schema_name, t.name AS table_name, i.name AS index_name, c.name AS column_name
FROM sys.indexes AS i
JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.key_ordinal = 1
JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
JOIN sys.tables AS t ON t.object_id = i.object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
LEFT JOIN sys.default_constraints AS dc ON dc.parent_object_id = c.object_id AND dc.parent_column_id = c.column_id
WHERE i.type = 1 AND t.is_ms_shipped = 0 AND c.system_type_id = 36
  AND ISNULL(dc.definition, N'') NOT LIKE N'%newsequentialid%'
ORDER BY s.name, t.name
