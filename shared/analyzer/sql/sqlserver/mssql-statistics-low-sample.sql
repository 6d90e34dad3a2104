-- Finds statistics on user tables of at least 100,000 rows whose last update sampled less than 5 % of the rows
-- (sys.dm_db_stats_properties).
-- Why: a small sample misses skew in the data, so the histogram and the optimizer's row estimates are wrong for
-- the values that matter; the default sample shrinks as the table grows.
SELECT s.name AS schema_name, t.name AS table_name, st.name AS object_name, p.rows AS row_count, p.rows_sampled,
       CAST(100.0 * p.rows_sampled / p.rows AS decimal(5, 2)) AS sample_percent, p.last_updated
FROM sys.stats AS st
JOIN sys.tables AS t ON t.object_id = st.object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
CROSS APPLY sys.dm_db_stats_properties(st.object_id, st.stats_id) AS p
WHERE t.is_ms_shipped = 0 AND p.rows >= 100000 AND p.rows_sampled < 0.05 * p.rows
