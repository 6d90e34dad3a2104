-- Finds secondary, non-unique indexes with no recorded read or write in performance_schema since the server started
-- (needs performance_schema = ON; the handler skips the check otherwise). Unique indexes and indexes whose first
-- column belongs to a foreign key are left out: they enforce rules even when no query reads them.
-- Why: an unused index still costs every write, buffer-pool memory and backup size.
SELECT u.OBJECT_SCHEMA AS schema_name, u.OBJECT_NAME AS table_name, u.INDEX_NAME AS index_name,
       u.COUNT_STAR AS accesses
FROM performance_schema.table_io_waits_summary_by_index_usage u
JOIN information_schema.STATISTICS s
  ON s.TABLE_SCHEMA = u.OBJECT_SCHEMA AND s.TABLE_NAME = u.OBJECT_NAME AND s.INDEX_NAME = u.INDEX_NAME
 AND s.SEQ_IN_INDEX = 1
WHERE u.OBJECT_TYPE = 'TABLE'
  AND u.INDEX_NAME IS NOT NULL AND u.INDEX_NAME <> 'PRIMARY'
  AND u.COUNT_STAR = 0
  AND s.NON_UNIQUE = 1
  AND u.OBJECT_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
  AND u.OBJECT_SCHEMA = COALESCE(DATABASE(), u.OBJECT_SCHEMA)
  AND NOT EXISTS (SELECT 1 FROM information_schema.KEY_COLUMN_USAGE f
                  WHERE f.TABLE_SCHEMA = s.TABLE_SCHEMA AND f.TABLE_NAME = s.TABLE_NAME
                    AND f.COLUMN_NAME = s.COLUMN_NAME AND f.REFERENCED_TABLE_NAME IS NOT NULL)
ORDER BY 1, 2, 3
