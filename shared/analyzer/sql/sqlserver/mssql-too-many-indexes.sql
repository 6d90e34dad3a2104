-- Finds tables with more than 10 nonclustered indexes.
-- Why: every insert, update and delete maintains every index; past a handful the write cost and the plan choices
-- usually outweigh the benefit.
SELECT s.name AS schema_name, t.name AS table_name, COUNT(*) AS index_count
FROM sys.indexes AS i
JOIN sys.tables AS t ON t.object_id = i.object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE i.type = 2 AND i.is_hypothetical = 0 AND t.is_ms_shipped = 0
GROUP BY s.name, t.name
HAVING COUNT(*) > 10
ORDER BY COUNT(*) DESC
