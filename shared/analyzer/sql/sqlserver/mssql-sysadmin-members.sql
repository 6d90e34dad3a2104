-- Finds logins in the sysadmin fixed server role other than sa and the engine's own service accounts.
-- Why: every sysadmin can do anything on the instance; each extra one widens the blast radius of a stolen credential.
SELECT m.name AS user_name, m.type_desc AS object_type, m.is_disabled
FROM sys.server_role_members AS rm
JOIN sys.server_principals AS r ON r.principal_id = rm.role_principal_id
JOIN sys.server_principals AS m ON m.principal_id = rm.member_principal_id
WHERE r.name = N'sysadmin' AND m.sid <> 0x01 AND m.name NOT LIKE N'NT SERVICE\%'
  AND m.name NOT IN (N'NT AUTHORITY\SYSTEM')
ORDER BY m.name
