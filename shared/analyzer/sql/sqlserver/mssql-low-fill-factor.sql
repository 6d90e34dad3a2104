-- Finds indexes of user tables whose fill factor is set below 80 % (0 and 100 both mean full pages).
-- Why: a low fill factor leaves that share of every page empty after each rebuild: the index is larger, scans and
-- backups read more pages and the buffer pool caches less useful data, usually to avoid page splits nobody measured.
SELECT s.name AS schema_name, t.name AS table_name, i.name AS index_name, CAST(i.fill_factor AS int) AS fill_factor,
       100 - CAST(i.fill_factor AS int) AS empty_percent
FROM sys.indexes AS i
JOIN sys.tables AS t ON t.object_id = i.object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE t.is_ms_shipped = 0 AND i.fill_factor BETWEEN 1 AND 79 AND i.is_hypothetical = 0
