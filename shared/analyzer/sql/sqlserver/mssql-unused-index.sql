-- Finds nonclustered, non-unique indexes with no seek, scan or lookup since usage statistics were last reset
-- (server start), but with writes.
-- Why: each such index costs on every insert, update and delete, and in storage, log and backup size, for no read.
SELECT s.name AS schema_name, t.name AS table_name, i.name AS index_name,
       ISNULL(u.user_updates, 0) AS user_updates,
       (SELECT SUM(p.used_page_count) * 8 / 1024 FROM sys.dm_db_partition_stats AS p
        WHERE p.object_id = i.object_id AND p.index_id = i.index_id) AS size_mb,
       (SELECT o.sqlserver_start_time FROM sys.dm_os_sys_info AS o) AS stats_since
FROM sys.indexes AS i
JOIN sys.tables AS t ON t.object_id = i.object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
LEFT JOIN sys.dm_db_index_usage_stats AS u
  ON u.database_id = DB_ID() AND u.object_id = i.object_id AND u.index_id = i.index_id
WHERE t.is_ms_shipped = 0 AND i.type = 2 AND i.is_unique = 0 AND i.is_primary_key = 0
  AND i.is_unique_constraint = 0 AND i.is_disabled = 0 AND i.is_hypothetical = 0
  AND ISNULL(u.user_seeks, 0) + ISNULL(u.user_scans, 0) + ISNULL(u.user_lookups, 0) = 0
  AND ISNULL(u.user_updates, 0) > 0
ORDER BY ISNULL(u.user_updates, 0) DESC
