-- Finds a server that writes a binary log but does not sync it at every commit (sync_binlog <> 1).
-- Why: after an OS crash the binary log can miss transactions that InnoDB committed, so replicas and point-in-time
-- recovery diverge from the primary.
SELECT 'sync_binlog' AS setting_name, CAST(@@GLOBAL.sync_binlog AS CHAR) AS setting_value
FROM DUAL
WHERE @@GLOBAL.log_bin = 1 AND @@GLOBAL.sync_binlog <> 1
