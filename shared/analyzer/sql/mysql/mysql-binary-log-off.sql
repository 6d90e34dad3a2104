-- Finds a server running without a binary log (log_bin = OFF).
-- Why: the binary log is what point-in-time recovery replays after restoring a backup, and what replicas read;
-- without it every failure loses everything since the last full backup.
SELECT 'log_bin' AS setting_name, 'OFF' AS setting_value
FROM {counters} c
WHERE c.log_bin = 0
