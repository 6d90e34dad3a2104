-- Finds statistics on user tables with many modifications since their last update (over 20 % of the rows plus
-- 500, or any change and not updated for 30 days).
-- Why: the optimizer estimates row counts from statistics; stale ones lead to wrong join orders, memory grants
-- and scans.
SELECT OBJECT_SCHEMA_NAME(st.object_id) AS schema_name, OBJECT_NAME(st.object_id) AS table_name,
       st.name AS index_name, sp.last_updated, sp.rows AS row_count, sp.modification_counter
FROM sys.stats AS st
JOIN sys.tables AS t ON t.object_id = st.object_id
CROSS APPLY sys.dm_db_stats_properties(st.object_id, st.stats_id) AS sp
WHERE t.is_ms_shipped = 0
  AND sp.modification_counter > 0
  AND (sp.modification_counter > 0.2 * sp.rows + 500 OR sp.last_updated < DATEADD(day, -30, SYSDATETIME()))
ORDER BY sp.modification_counter DESC
