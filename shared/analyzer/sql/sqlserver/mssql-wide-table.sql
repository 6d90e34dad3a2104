-- Finds user tables with 35 or more columns.
-- Why: wide rows mean fewer rows per page (more I/O per query) and usually several entities or repeating groups
-- sharing one table.
SELECT s.name AS schema_name, t.name AS table_name, COUNT(*) AS column_count
FROM sys.tables AS t
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
JOIN sys.columns AS c ON c.object_id = t.object_id
WHERE t.is_ms_shipped = 0
GROUP BY s.name, t.name
HAVING COUNT(*) >= 35
