-- Finds this database with TRUSTWORTHY on (msdb, where it is required, is excluded).
-- Why: code in the database can impersonate its owner at server level; if the owner is a sysadmin, any db_owner
-- can become sysadmin.
SELECT d.name AS object_name, 'TRUSTWORTHY' AS setting_name, 'ON' AS setting_value,
       SUSER_SNAME(d.owner_sid) AS user_name
FROM sys.databases AS d
WHERE d.database_id = DB_ID() AND d.is_trustworthy_on = 1 AND d.name <> N'msdb'
