-- Finds roles other than the bootstrap superuser (and the predefined pg_* roles) that are superusers or hold
-- CREATEROLE or BYPASSRLS.
-- Why: a superuser bypasses every permission check and can run programs on the server; CREATEROLE can grant
-- itself into most roles; BYPASSRLS ignores row-level security. Each should belong to very few, audited roles.
SELECT r.rolname AS user_name, r.rolcanlogin AS can_login, r.rolsuper AS is_superuser,
       r.rolcreaterole AS can_create_role, r.rolbypassrls AS bypasses_rls,
       concat_ws(', ', CASE WHEN r.rolsuper THEN 'SUPERUSER' END, CASE WHEN r.rolcreaterole THEN 'CREATEROLE' END,
                 CASE WHEN r.rolbypassrls THEN 'BYPASSRLS' END) AS privileges,
       CASE WHEN r.rolsuper THEN 'high' ELSE 'medium' END AS severity
FROM pg_roles r
WHERE (r.rolsuper OR r.rolcreaterole OR r.rolbypassrls)
  AND r.oid <> 10
  AND r.rolname !~ '^pg_'
ORDER BY 1
