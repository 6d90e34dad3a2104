-- Finds a server where innodb_flush_log_at_trx_commit is not 1.
-- Why: with 0 or 2 the redo log is flushed to disk about once a second instead of at every commit, so an OS crash or
-- power loss loses up to a second of transactions the application was told were committed.
SELECT 'innodb_flush_log_at_trx_commit' AS setting_name,
       CAST(@@GLOBAL.innodb_flush_log_at_trx_commit AS CHAR) AS setting_value
FROM DUAL
WHERE @@GLOBAL.innodb_flush_log_at_trx_commit <> 1
