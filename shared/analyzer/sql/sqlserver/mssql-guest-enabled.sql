-- Finds the guest user enabled (CONNECT granted) in this user database.
-- Why: any login on the server, without a user of its own, can connect to the database and use whatever guest
-- and public are allowed.
SELECT DB_NAME() AS object_name, dp.name AS user_name, p.permission_name AS setting_name,
       p.state_desc AS setting_value
FROM sys.database_permissions AS p
JOIN sys.database_principals AS dp ON dp.principal_id = p.grantee_principal_id
WHERE dp.name = N'guest' AND p.permission_name = N'CONNECT' AND p.state IN ('G', 'W') AND p.class = 0
  AND DB_ID() > 4
