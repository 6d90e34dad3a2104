-- Finds AUTO_INCREMENT columns whose next value has used 80 % or more of the column type's range
-- (medium from 80 %, high from 90 %, critical from 95 %). On MySQL 8 information_schema caches
-- TABLES.AUTO_INCREMENT for information_schema_stats_expiry seconds (default one day).
-- Why: once the maximum is reached every INSERT fails with a duplicate-key error and the application is down until
-- the column is widened, which rebuilds the table.
SELECT x.schema_name, x.table_name, x.column_name, x.column_type, x.next_value, x.max_value,
       ROUND(100 * (x.next_value - 1) / x.max_value, 1) AS percent_used,
       CASE WHEN (x.next_value - 1) >= 0.95 * x.max_value THEN 'critical'
            WHEN (x.next_value - 1) >= 0.90 * x.max_value THEN 'high' ELSE 'medium' END AS severity
FROM (
    SELECT t.TABLE_SCHEMA AS schema_name, t.TABLE_NAME AS table_name, c.COLUMN_NAME AS column_name,
           c.COLUMN_TYPE AS column_type, t.AUTO_INCREMENT AS next_value,
           CASE WHEN c.COLUMN_TYPE LIKE '%unsigned%' THEN
               CASE c.DATA_TYPE WHEN 'tinyint' THEN 255 WHEN 'smallint' THEN 65535 WHEN 'mediumint' THEN 16777215
                    WHEN 'int' THEN 4294967295 ELSE 18446744073709551615 END
           ELSE
               CASE c.DATA_TYPE WHEN 'tinyint' THEN 127 WHEN 'smallint' THEN 32767 WHEN 'mediumint' THEN 8388607
                    WHEN 'int' THEN 2147483647 ELSE 9223372036854775807 END
           END AS max_value
    FROM information_schema.TABLES t
    JOIN information_schema.COLUMNS c ON c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME
    WHERE c.EXTRA LIKE '%auto_increment%'
      AND c.DATA_TYPE IN ('tinyint', 'smallint', 'mediumint', 'int', 'bigint')
      AND t.AUTO_INCREMENT IS NOT NULL
      AND t.TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
      AND t.TABLE_SCHEMA = COALESCE(DATABASE(), t.TABLE_SCHEMA)
) x
WHERE (x.next_value - 1) >= 0.8 * x.max_value
ORDER BY percent_used DESC
