-- Finds tables with TIMESTAMP columns, whose range ends at 2038-01-19 03:14:07 UTC (one row per table).
-- Why: values past that moment cannot be stored (an error in strict mode, zero dates otherwise); long-lived rows such
-- as expiry or schedule dates hit the limit years before 2038.
SELECT c.TABLE_SCHEMA AS schema_name, c.TABLE_NAME AS table_name,
       GROUP_CONCAT(c.COLUMN_NAME ORDER BY c.ORDINAL_POSITION SEPARATOR ', ') AS columns
FROM information_schema.COLUMNS c
JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
WHERE t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
  AND c.DATA_TYPE = 'timestamp'
  AND c.TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
  AND c.TABLE_SCHEMA = COALESCE(DATABASE(), c.TABLE_SCHEMA)
GROUP BY c.TABLE_SCHEMA, c.TABLE_NAME
ORDER BY 1, 2
