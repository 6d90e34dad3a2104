-- Finds indexes of user tables whose row and page lock waits since the server started add up to more than 60
-- seconds (sys.dm_db_index_operational_stats).
-- Why: long lock waits on one index mean writers and readers queue on the same rows or pages: the blocking that
-- users feel as random slowness.
SELECT s.name AS schema_name, t.name AS table_name, ISNULL(i.name, 'HEAP') AS index_name,
       SUM(os.row_lock_wait_count + os.page_lock_wait_count) AS lock_waits,
       SUM(os.row_lock_wait_in_ms + os.page_lock_wait_in_ms) / 1000 AS lock_wait_s,
       (SELECT o.sqlserver_start_time FROM sys.dm_os_sys_info AS o) AS stats_since
FROM sys.dm_db_index_operational_stats(DB_ID(), NULL, NULL, NULL) AS os
JOIN sys.tables AS t ON t.object_id = os.object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
JOIN sys.indexes AS i ON i.object_id = os.object_id AND i.index_id = os.index_id
WHERE t.is_ms_shipped = 0
GROUP BY s.name, t.name, i.name
HAVING SUM(os.row_lock_wait_in_ms + os.page_lock_wait_in_ms) > 60000
