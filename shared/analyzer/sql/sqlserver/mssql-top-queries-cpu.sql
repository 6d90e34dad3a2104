-- Finds the 10 cached statements of this database that used the most CPU since they were compiled.
-- Why: a few statements usually account for most of the load; tuning them first pays the most.
SELECT TOP (10)
       'query' AS object_type,
       LEFT(SUBSTRING(st.text, qs.statement_start_offset / 2 + 1,
            (CASE WHEN qs.statement_end_offset = -1 THEN DATALENGTH(st.text) ELSE qs.statement_end_offset END
             - qs.statement_start_offset) / 2 + 1), 300) AS object_name,
       qs.execution_count, qs.total_worker_time / 1000 AS total_cpu_ms,
       qs.total_worker_time / 1000 / qs.execution_count AS avg_cpu_ms,
       qs.total_elapsed_time / 1000 / qs.execution_count AS avg_duration_ms,
       qs.total_logical_reads / qs.execution_count AS avg_logical_reads, qs.creation_time AS stats_since
FROM sys.dm_exec_query_stats AS qs
CROSS APPLY sys.dm_exec_sql_text(qs.sql_handle) AS st
WHERE st.dbid = DB_ID() AND qs.execution_count > 0
ORDER BY qs.total_worker_time DESC
