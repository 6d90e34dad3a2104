-- Finds InnoDB tables that have no row in mysql.innodb_table_stats (persistent optimizer statistics), e.g. tables
-- created with STATS_PERSISTENT=0 or restored by copying files.
-- Why: without persistent statistics the optimizer re-samples the table on open and after changes, so plans can flip
-- between restarts and between replicas.
SELECT t.TABLE_SCHEMA AS schema_name, t.TABLE_NAME AS table_name, t.TABLE_ROWS AS estimated_rows,
       COALESCE(NULLIF(t.CREATE_OPTIONS, ''), '-') AS create_options
FROM information_schema.TABLES t
WHERE t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
  AND t.ENGINE = 'InnoDB'
  AND t.TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
  AND t.TABLE_SCHEMA = COALESCE(DATABASE(), t.TABLE_SCHEMA)
  AND NOT EXISTS (SELECT 1 FROM mysql.innodb_table_stats s
                  WHERE CAST(s.database_name AS BINARY) = CAST(t.TABLE_SCHEMA AS BINARY)
                    AND CAST(s.table_name AS BINARY) = CAST(t.TABLE_NAME AS BINARY))
ORDER BY 1, 2
