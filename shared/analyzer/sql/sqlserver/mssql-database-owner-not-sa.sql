-- Finds this database when its owner is not the sa login (principal sid 0x01).
-- Why: the owner is dbo; a personal owner keeps elevated rights after changing roles, and when the login is removed
-- owner-dependent features (EXECUTE AS OWNER, Agent jobs, ownership chains) fail.
SELECT d.name AS object_name, SUSER_SNAME(d.owner_sid) AS user_name
FROM sys.databases AS d
WHERE d.database_id = DB_ID() AND d.owner_sid <> 0x01
