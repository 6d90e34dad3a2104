-- Finds base tables that have no index at all (no primary key, no unique key, no secondary index).
-- Why: every lookup, join, UPDATE and DELETE on such a table reads it entirely, and locking reads lock every row.
SELECT t.TABLE_SCHEMA AS schema_name, t.TABLE_NAME AS table_name, t.ENGINE AS engine, t.TABLE_ROWS AS estimated_rows
FROM information_schema.TABLES t
WHERE t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
  AND t.TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
  AND t.TABLE_SCHEMA = COALESCE(DATABASE(), t.TABLE_SCHEMA)
  AND NOT EXISTS (SELECT 1 FROM information_schema.STATISTICS s
                  WHERE s.TABLE_SCHEMA = t.TABLE_SCHEMA AND s.TABLE_NAME = t.TABLE_NAME)
ORDER BY 1, 2
