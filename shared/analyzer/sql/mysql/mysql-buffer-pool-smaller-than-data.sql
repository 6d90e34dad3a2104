-- Finds a server whose InnoDB buffer pool is smaller than the data plus indexes of all InnoDB tables on it
-- (DATA_LENGTH + INDEX_LENGTH in information_schema.TABLES; estimates for InnoDB), MySQLTuner's "buffer pool /
-- data size".
-- Why: data that does not fit is read from disk when touched; fine when only a small part is hot, a problem when
-- the working set is most of it (the hit-rate check tells which).
SELECT 'innodb_buffer_pool_size' AS setting_name, ROUND(c.innodb_buffer_pool_size / 1048576) AS buffer_pool_mb,
       ROUND(d.data_bytes / 1048576) AS data_mb, d.table_count
FROM {counters} c
CROSS JOIN (SELECT SUM(t.DATA_LENGTH + t.INDEX_LENGTH) AS data_bytes, COUNT(*) AS table_count
            FROM information_schema.TABLES t
            WHERE t.ENGINE = 'InnoDB'
              AND t.TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')) d
WHERE d.data_bytes > c.innodb_buffer_pool_size
