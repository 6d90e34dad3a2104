-- Finds SQL users mapped to a login SID that no longer exists on the server.
-- Why: the user cannot log in (the usual cause is a database restored from another server), and a new login
-- created with that SID inherits the user's rights unnoticed.
SELECT dp.name AS user_name, dp.type_desc AS object_type, dp.create_date
FROM sys.database_principals AS dp
LEFT JOIN sys.server_principals AS sp ON sp.sid = dp.sid
WHERE dp.type = 'S' AND dp.authentication_type = 1 AND sp.sid IS NULL
  AND dp.principal_id > 4 AND dp.sid IS NOT NULL AND dp.name NOT IN (N'guest', N'dbo', N'sys', N'INFORMATION_SCHEMA')
ORDER BY dp.name
