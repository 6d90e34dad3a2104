-- Finds tables with at least 64 MiB of free space inside their own data file that is also at least 25 % of the file
-- (InnoDB file-per-table and MyISAM; tables in a shared tablespace report the shared free space and are left out).
-- Why: after large deletes the space stays allocated to the table: backups, restores and full scans carry it along.
SELECT t.TABLE_SCHEMA AS schema_name, t.TABLE_NAME AS table_name, t.ENGINE AS engine,
       ROUND(t.DATA_FREE / 1048576) AS free_mib, ROUND((t.DATA_LENGTH + t.INDEX_LENGTH) / 1048576) AS used_mib,
       ROUND(100 * t.DATA_FREE / (t.DATA_LENGTH + t.INDEX_LENGTH + t.DATA_FREE), 1) AS percent_free
FROM information_schema.TABLES t
WHERE t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
  AND t.DATA_FREE >= 67108864
  AND t.DATA_FREE >= 0.25 * (t.DATA_LENGTH + t.INDEX_LENGTH + t.DATA_FREE)
  AND (t.ENGINE <> 'InnoDB' OR NOT EXISTS (
        SELECT 1 FROM information_schema.TABLES o
        WHERE o.ENGINE = 'InnoDB' AND o.DATA_FREE = t.DATA_FREE
          AND (o.TABLE_SCHEMA <> t.TABLE_SCHEMA OR o.TABLE_NAME <> t.TABLE_NAME)))
  AND t.TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
  AND t.TABLE_SCHEMA = COALESCE(DATABASE(), t.TABLE_SCHEMA)
ORDER BY t.DATA_FREE DESC
