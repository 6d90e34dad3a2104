-- Finds permissions granted to the public database role on user objects, schemas or the database itself
-- (the engine's own default grants are excluded).
-- Why: every user of the database, including guest, holds what public holds.
SELECT CASE p.class WHEN 1 THEN OBJECT_SCHEMA_NAME(p.major_id) WHEN 3 THEN SCHEMA_NAME(p.major_id) END AS schema_name,
       CASE p.class WHEN 1 THEN OBJECT_NAME(p.major_id) WHEN 0 THEN DB_NAME() END AS object_name,
       p.class_desc AS object_type, p.permission_name AS setting_name, p.state_desc AS setting_value,
       'public' AS user_name
FROM sys.database_permissions AS p
LEFT JOIN sys.objects AS o ON p.class = 1 AND o.object_id = p.major_id
WHERE p.grantee_principal_id = 0 AND p.state IN ('G', 'W')
  AND (p.class = 3 OR (p.class = 1 AND o.is_ms_shipped = 0)
       OR (p.class = 0 AND p.permission_name NOT IN (N'VIEW ANY COLUMN ENCRYPTION KEY DEFINITION',
                                                    N'VIEW ANY COLUMN MASTER KEY DEFINITION')))
ORDER BY p.class, p.permission_name
