-- Finds schemas on which PUBLIC (every role) holds the CREATE privilege (the pre-15 default on schema public).
-- Why: any user can create objects there, including functions and operators that shadow built-ins for other users
-- whose search_path includes the schema (CVE-2018-1058).
SELECT n.nspname AS schema_name, pg_get_userbyid(n.nspowner) AS owner
FROM pg_namespace n
CROSS JOIN LATERAL aclexplode(n.nspacl) AS acl
WHERE acl.grantee = 0
  AND acl.privilege_type = 'CREATE'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1
