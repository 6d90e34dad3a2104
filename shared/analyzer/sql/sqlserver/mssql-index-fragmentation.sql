-- Finds indexes over 1,000 pages with more than 30 % logical fragmentation (LIMITED scan mode).
-- Why: fragmented indexes need more I/O for range scans and waste buffer pool space in half-empty pages.
SELECT OBJECT_SCHEMA_NAME(ps.object_id) AS schema_name, OBJECT_NAME(ps.object_id) AS table_name,
       i.name AS index_name, CAST(ps.avg_fragmentation_in_percent AS decimal(5, 1)) AS fragmentation_percent,
       ps.page_count
FROM sys.dm_db_index_physical_stats(DB_ID(), NULL, NULL, NULL, 'LIMITED') AS ps
JOIN sys.indexes AS i ON i.object_id = ps.object_id AND i.index_id = ps.index_id
JOIN sys.tables AS t ON t.object_id = ps.object_id
WHERE t.is_ms_shipped = 0 AND ps.index_id > 0 AND ps.alloc_unit_type_desc = N'IN_ROW_DATA'
  AND ps.page_count > 1000 AND ps.avg_fragmentation_in_percent > 30
ORDER BY ps.page_count DESC
