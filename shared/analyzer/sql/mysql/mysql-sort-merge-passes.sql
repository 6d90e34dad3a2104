-- Finds a server where merge passes exceed 10 % of sorts since start-up (Sort_merge_passes / (Sort_scan +
-- Sort_range), MySQLTuner's "sorts requiring temporary tables"), over at least 1,000 sorts.
-- Why: a merge pass means the sort did not fit sort_buffer_size and spilled to temporary files, turning an
-- in-memory sort into disk I/O.
SELECT 'Sort_merge_passes' AS setting_name, CAST(c.sort_merge_passes AS UNSIGNED) AS sort_merge_passes,
       CAST(c.sort_scan + c.sort_range AS UNSIGNED) AS sorts,
       ROUND(100 * c.sort_merge_passes / (c.sort_scan + c.sort_range)) AS merge_percent,
       ROUND(c.sort_buffer_size / 1024) AS sort_buffer_kb
FROM {counters} c
WHERE c.sort_scan + c.sort_range >= 1000
  AND c.sort_merge_passes > 0.1 * (c.sort_scan + c.sort_range)
