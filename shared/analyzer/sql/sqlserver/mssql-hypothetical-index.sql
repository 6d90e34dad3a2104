-- Finds hypothetical indexes (left behind by the Database Engine Tuning Advisor).
-- Why: they hold no data and are never used for queries, but they clutter the catalog and confuse index reviews.
SELECT s.name AS schema_name, t.name AS table_name, i.name AS index_name
FROM sys.indexes AS i
JOIN sys.tables AS t ON t.object_id = i.object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE i.is_hypothetical = 1 AND t.is_ms_shipped = 0
ORDER BY s.name, t.name, i.name
