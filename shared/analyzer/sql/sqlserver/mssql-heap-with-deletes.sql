-- Finds heaps (index_id 0) of user tables with deletes since the server started
-- (sys.dm_db_index_operational_stats.leaf_delete_count).
-- Why: rows deleted from a heap without a table lock leave their pages allocated; the heap never shrinks and every
-- scan reads the empty pages, a common cause of a queue table that is slow while nearly empty.
SELECT s.name AS schema_name, t.name AS table_name, SUM(os.leaf_delete_count) AS deleted_rows,
       (SELECT o.sqlserver_start_time FROM sys.dm_os_sys_info AS o) AS stats_since
FROM sys.dm_db_index_operational_stats(DB_ID(), NULL, NULL, NULL) AS os
JOIN sys.tables AS t ON t.object_id = os.object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE os.index_id = 0 AND t.is_ms_shipped = 0
GROUP BY s.name, t.name
HAVING SUM(os.leaf_delete_count) > 0
