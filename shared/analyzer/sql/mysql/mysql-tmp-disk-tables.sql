-- Finds a server where at least 25 % of the internal temporary tables since start-up were created on disk
-- (Created_tmp_disk_tables / Created_tmp_tables), once at least 100 were created.
-- Why: an on-disk temporary table turns an in-memory GROUP BY or sort into disk I/O; the usual causes are results
-- larger than min(tmp_table_size, max_heap_table_size) or TEXT/BLOB columns that memory tables cannot hold.
SELECT 'Created_tmp_disk_tables' AS setting_name,
       CAST(c.created_tmp_disk_tables AS UNSIGNED) AS created_tmp_disk_tables,
       CAST(c.created_tmp_tables AS UNSIGNED) AS created_tmp_tables,
       ROUND(100 * c.created_tmp_disk_tables / c.created_tmp_tables) AS disk_percent,
       ROUND(c.tmp_table_size / 1048576) AS tmp_table_mb, ROUND(c.max_heap_table_size / 1048576) AS max_heap_mb
FROM {counters} c
WHERE c.created_tmp_tables >= 100
  AND c.created_tmp_disk_tables >= 0.25 * c.created_tmp_tables
