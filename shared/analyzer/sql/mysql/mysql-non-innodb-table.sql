-- Finds base tables stored in a non-transactional engine (MyISAM, Aria, MEMORY, CSV, ARCHIVE, MERGE).
-- Why: these engines have no transactions, no crash recovery of committed data (MEMORY loses everything on restart),
-- table-level locks that serialise writers, and ignore foreign keys.
SELECT t.TABLE_SCHEMA AS schema_name, t.TABLE_NAME AS table_name, t.ENGINE AS engine, t.TABLE_ROWS AS estimated_rows,
       CASE WHEN t.ENGINE IN ('MEMORY', 'HEAP') THEN 'high' ELSE 'medium' END AS severity,
       CASE WHEN t.ENGINE IN ('MEMORY', 'HEAP') THEN 'its rows vanish at every server restart'
            ELSE 'a crash can leave it half-written and in need of REPAIR TABLE' END AS engine_risk
FROM information_schema.TABLES t
WHERE t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
  AND t.ENGINE IN ('MyISAM', 'Aria', 'MEMORY', 'HEAP', 'CSV', 'ARCHIVE', 'MRG_MyISAM', 'MRG_MYISAM')
  AND t.TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
  AND t.TABLE_SCHEMA = COALESCE(DATABASE(), t.TABLE_SCHEMA)
ORDER BY 1, 2
