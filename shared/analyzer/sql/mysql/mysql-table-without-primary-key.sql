-- Finds base tables without a PRIMARY KEY in the analysed database (all user schemas when none is selected).
-- Why: InnoDB then clusters rows on a hidden 6-byte row id shared server-wide (a contention point), row-based
-- replicas must scan the table for every replicated row change, and Group Replication / Galera refuse such tables.
SELECT t.TABLE_SCHEMA AS schema_name, t.TABLE_NAME AS table_name, t.ENGINE AS engine, t.TABLE_ROWS AS estimated_rows,
       CASE WHEN EXISTS (SELECT 1 FROM information_schema.TABLE_CONSTRAINTS u
                         WHERE u.TABLE_SCHEMA = t.TABLE_SCHEMA AND u.TABLE_NAME = t.TABLE_NAME
                           AND u.CONSTRAINT_TYPE = 'UNIQUE') THEN 'yes' ELSE 'no' END AS has_unique_key
FROM information_schema.TABLES t
WHERE t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
  AND t.TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
  AND t.TABLE_SCHEMA = COALESCE(DATABASE(), t.TABLE_SCHEMA)
  AND NOT EXISTS (SELECT 1 FROM information_schema.TABLE_CONSTRAINTS k
                  WHERE k.TABLE_SCHEMA = t.TABLE_SCHEMA AND k.TABLE_NAME = t.TABLE_NAME
                    AND k.CONSTRAINT_TYPE = 'PRIMARY KEY')
ORDER BY 1, 2
