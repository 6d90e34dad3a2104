-- Finds statistics on user tables marked NORECOMPUTE (sys.stats.no_recompute), which auto update skips.
-- Why: as rows change, such statistics go stale and the optimizer's estimates with them, leading to bad plans that
-- no automatic process will fix.
SELECT s.name AS schema_name, t.name AS table_name, st.name AS object_name
FROM sys.stats AS st
JOIN sys.tables AS t ON t.object_id = st.object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE st.no_recompute = 1 AND t.is_ms_shipped = 0
