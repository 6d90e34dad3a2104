-- Finds this user database not encrypted at rest with Transparent Data Encryption.
-- Why: data and log files and backups can be read by anyone who obtains a copy of them.
SELECT d.name AS object_name, 'ENCRYPTION' AS setting_name, 'OFF' AS setting_value
FROM sys.databases AS d
WHERE d.database_id = DB_ID() AND d.database_id > 4 AND d.is_encrypted = 0
