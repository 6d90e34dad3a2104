-- Finds clustered indexes whose key columns total more than 32 bytes.
-- Why: the clustered key is copied into every nonclustered index row, so a wide key inflates every index and
-- every lookup.
SELECT s.name AS schema_name, t.name AS table_name, i.name AS index_name, SUM(c.max_length) AS key_bytes,
       COUNT(*) AS key_columns
FROM sys.indexes AS i
JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.key_ordinal > 0
JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
JOIN sys.tables AS t ON t.object_id = i.object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE i.type = 1 AND t.is_ms_shipped = 0
GROUP BY s.name, t.name, i.name
HAVING SUM(c.max_length) > 32 OR MIN(c.max_length) = -1
ORDER BY SUM(c.max_length) DESC
