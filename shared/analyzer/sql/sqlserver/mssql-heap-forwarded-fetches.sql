-- Finds heaps (index_id 0) of user tables with forwarded-record fetches since the server started
-- (sys.dm_db_index_operational_stats.forwarded_fetch_count).
-- Why: when a heap row grows and no longer fits, it moves and leaves a forwarding pointer; every read of it then
-- costs an extra random page read, which scans of such heaps multiply.
SELECT s.name AS schema_name, t.name AS table_name, SUM(os.forwarded_fetch_count) AS forwarded_fetches,
       (SELECT o.sqlserver_start_time FROM sys.dm_os_sys_info AS o) AS stats_since
FROM sys.dm_db_index_operational_stats(DB_ID(), NULL, NULL, NULL) AS os
JOIN sys.tables AS t ON t.object_id = os.object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE os.index_id = 0 AND t.is_ms_shipped = 0
GROUP BY s.name, t.name
HAVING SUM(os.forwarded_fetch_count) > 0
