-- Finds databases on the server whose state is not ONLINE, leaving out RESTORING and standby databases (mirrors,
-- log-shipping and AG secondaries are in those states by design).
-- Why: SUSPECT, RECOVERY_PENDING and EMERGENCY mean the database could not be recovered and is unusable; OFFLINE databases
-- are often forgotten and still hold disk and backup jobs.
SELECT d.name AS object_name, 'state' AS setting_name, d.state_desc AS setting_value,
       CASE WHEN d.state IN (3, 4, 5) THEN 'critical' ELSE 'medium' END AS severity
FROM sys.databases AS d
WHERE d.state_desc NOT IN ('ONLINE', 'RESTORING') AND d.is_in_standby = 0
