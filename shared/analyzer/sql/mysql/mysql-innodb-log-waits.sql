-- Finds a server where InnoDB had to wait for free space in the redo log buffer (Innodb_log_waits > 0) since it
-- started.
-- Why: a full log buffer forces a flush before the transaction can continue, stalling writers; the buffer is too
-- small for the transactions the server runs.
SELECT 'Innodb_log_waits' AS setting_name, CAST(c.innodb_log_waits AS UNSIGNED) AS innodb_log_waits,
       ROUND(c.innodb_log_buffer_size / 1048576) AS log_buffer_mb
FROM {counters} c
WHERE c.innodb_log_waits > 0
