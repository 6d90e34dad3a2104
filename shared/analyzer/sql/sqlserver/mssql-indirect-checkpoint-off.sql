-- Finds this database with TARGET_RECOVERY_TIME 0.
-- Why: indirect checkpoints spread page writes evenly and bound recovery time; databases created before 2016 still use
-- the bursty automatic checkpoints.
SELECT d.name AS object_name, 'TARGET_RECOVERY_TIME' AS setting_name, '0' AS setting_value
FROM sys.databases AS d
WHERE d.database_id = DB_ID() AND d.target_recovery_time_in_seconds = 0
