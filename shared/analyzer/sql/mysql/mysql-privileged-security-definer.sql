-- Finds views and stored routines declared SQL SECURITY DEFINER whose definer holds SUPER, GRANT OPTION or
-- CREATE USER globally (routines medium, views low: a view only exposes its own SELECT).
-- Why: every caller runs the object with an administrator's rights; a routine that builds SQL from its arguments, or
-- a later edit, then hands those rights to any user allowed to call it.
WITH objects AS (
    SELECT v.TABLE_SCHEMA AS schema_name, v.TABLE_NAME AS object_name, 'view' AS object_type, v.DEFINER AS definer
    FROM information_schema.VIEWS v
    WHERE v.SECURITY_TYPE = 'DEFINER'
    UNION ALL
    SELECT r.ROUTINE_SCHEMA, r.ROUTINE_NAME, LOWER(r.ROUTINE_TYPE), r.DEFINER
    FROM information_schema.ROUTINES r
    WHERE r.SECURITY_TYPE = 'DEFINER'
)
SELECT o.schema_name, o.object_name, o.object_type, o.definer,
       CASE WHEN o.object_type = 'view' THEN 'low' ELSE 'medium' END AS severity
FROM objects o
WHERE o.schema_name NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
  AND o.schema_name = COALESCE(DATABASE(), o.schema_name)
  AND EXISTS (SELECT 1 FROM mysql.user u
              WHERE CAST(CONCAT(u.User, '@', u.Host) AS BINARY) = CAST(o.definer AS BINARY)
                AND (u.Super_priv = 'Y' OR u.Grant_priv = 'Y' OR u.Create_user_priv = 'Y'))
ORDER BY 1, 3, 2
