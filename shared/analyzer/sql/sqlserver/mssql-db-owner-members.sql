-- Finds members of the db_owner role other than dbo.
-- Why: db_owner can do anything in the database, including dropping it and granting rights; application logins
-- rarely need it.
SELECT m.name AS user_name, m.type_desc AS object_type
FROM sys.database_role_members AS rm
JOIN sys.database_principals AS r ON r.principal_id = rm.role_principal_id
JOIN sys.database_principals AS m ON m.principal_id = rm.member_principal_id
WHERE r.name = N'db_owner' AND m.name <> N'dbo'
ORDER BY m.name
