-- Finds user tables stored as heaps (no clustered index).
-- Why: heaps accumulate forwarded records and never release space freed by deletes, scans read every page, and
-- nonclustered indexes point at physical row locations that move.
SELECT s.name AS schema_name, t.name AS table_name, SUM(p.rows) AS row_count
FROM sys.tables AS t
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
JOIN sys.indexes AS i ON i.object_id = t.object_id AND i.index_id = 0
JOIN sys.partitions AS p ON p.object_id = t.object_id AND p.index_id = 0
WHERE t.is_ms_shipped = 0
GROUP BY s.name, t.name
ORDER BY SUM(p.rows) DESC, s.name, t.name
