-- Finds nonclustered indexes of user tables with seven or more columns (key plus included).
-- Why: a very wide index is a second copy of much of the table, written on every change to any of its columns and
-- competing for buffer pool memory; often it grew column by column from missing-index suggestions.
SELECT s.name AS schema_name, t.name AS table_name, i.name AS index_name,
       SUM(CASE WHEN ic.is_included_column = 0 THEN 1 ELSE 0 END) AS key_columns,
       SUM(CASE WHEN ic.is_included_column = 1 THEN 1 ELSE 0 END) AS included_columns
FROM sys.indexes AS i
JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
JOIN sys.tables AS t ON t.object_id = i.object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE i.type = 2 AND t.is_ms_shipped = 0 AND i.is_hypothetical = 0
GROUP BY s.name, t.name, i.name
HAVING COUNT(*) >= 7
