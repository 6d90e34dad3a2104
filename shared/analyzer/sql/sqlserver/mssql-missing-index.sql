-- Finds the optimizer's missing-index suggestions for this database, with their estimated benefit.
-- Why: queries that would have used such an index ran as scans; the suggestion is a lead to review, not a command
-- (it ignores existing indexes that could simply be widened).
SELECT TOP (25)
       OBJECT_SCHEMA_NAME(d.object_id) AS schema_name, OBJECT_NAME(d.object_id) AS table_name,
       d.equality_columns, d.inequality_columns, d.included_columns,
       gs.user_seeks + gs.user_scans AS uses,
       CAST(gs.avg_total_user_cost * gs.avg_user_impact * (gs.user_seeks + gs.user_scans) AS bigint) AS benefit,
       CASE WHEN gs.avg_total_user_cost * gs.avg_user_impact * (gs.user_seeks + gs.user_scans) > 100000
            THEN 'medium' ELSE 'info' END AS severity,
       (SELECT o.sqlserver_start_time FROM sys.dm_os_sys_info AS o) AS stats_since
FROM sys.dm_db_missing_index_details AS d
JOIN sys.dm_db_missing_index_groups AS g ON g.index_handle = d.index_handle
JOIN sys.dm_db_missing_index_group_stats AS gs ON gs.group_handle = g.index_group_handle
WHERE d.database_id = DB_ID() AND gs.avg_user_impact >= 50
ORDER BY gs.avg_total_user_cost * gs.avg_user_impact * (gs.user_seeks + gs.user_scans) DESC
