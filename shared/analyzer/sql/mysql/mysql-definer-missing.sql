-- Finds views, stored routines, triggers and events whose DEFINER account no longer exists.
-- Why: MySQL refuses to run a SQL SECURITY DEFINER object whose definer is missing ("The user specified as a definer
-- does not exist"), so the view, procedure, trigger (and every write on its table) or event fails at run time.
WITH objects AS (
    SELECT v.TABLE_SCHEMA AS schema_name, v.TABLE_NAME AS object_name, 'view' AS object_type, v.DEFINER AS definer
    FROM information_schema.VIEWS v
    UNION ALL
    SELECT r.ROUTINE_SCHEMA, r.ROUTINE_NAME, LOWER(r.ROUTINE_TYPE), r.DEFINER FROM information_schema.ROUTINES r
    UNION ALL
    SELECT g.TRIGGER_SCHEMA, g.TRIGGER_NAME, 'trigger', g.DEFINER FROM information_schema.TRIGGERS g
    UNION ALL
    SELECT e.EVENT_SCHEMA, e.EVENT_NAME, 'event', e.DEFINER FROM information_schema.EVENTS e
)
SELECT o.schema_name, o.object_name, o.object_type, o.definer
FROM objects o
WHERE o.schema_name NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
  AND o.schema_name = COALESCE(DATABASE(), o.schema_name)
  AND NOT EXISTS (SELECT 1 FROM mysql.user u
                  WHERE CAST(CONCAT(u.User, '@', u.Host) AS BINARY) = CAST(o.definer AS BINARY)
                     OR (u.Host = '' AND CAST(u.User AS BINARY) = CAST(o.definer AS BINARY)))
ORDER BY 1, 3, 2
