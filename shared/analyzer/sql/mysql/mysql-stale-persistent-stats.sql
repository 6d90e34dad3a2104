-- Finds InnoDB tables whose persistent optimizer statistics were last recalculated more than 30 days ago.
-- Why: automatic recalculation only runs after 10 % of the rows change, so slowly growing tables keep old
-- cardinalities and the optimizer picks plans for a table that no longer exists in that shape.
SELECT t.TABLE_SCHEMA AS schema_name, t.TABLE_NAME AS table_name, s.last_update AS statistics_updated,
       DATEDIFF(NOW(), s.last_update) AS days_old, s.n_rows AS rows_in_statistics, t.TABLE_ROWS AS estimated_rows
FROM information_schema.TABLES t
JOIN mysql.innodb_table_stats s ON CAST(s.database_name AS BINARY) = CAST(t.TABLE_SCHEMA AS BINARY)
                               AND CAST(s.table_name AS BINARY) = CAST(t.TABLE_NAME AS BINARY)
WHERE t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
  AND t.ENGINE = 'InnoDB'
  AND s.last_update < NOW() - INTERVAL 30 DAY
  AND t.TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
  AND t.TABLE_SCHEMA = COALESCE(DATABASE(), t.TABLE_SCHEMA)
ORDER BY s.last_update
