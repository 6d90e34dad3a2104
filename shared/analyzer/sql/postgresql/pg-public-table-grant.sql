-- Finds tables, views, materialized views and sequences on which PUBLIC (every role, including future ones) holds
-- privileges; write privileges are graded higher than read.
-- Why: a grant to PUBLIC reaches every login on the server, so one compromised or careless account can read or
-- change the data; grant to a specific role instead.
SELECT n.nspname AS schema_name, c.relname AS table_name,
       CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
                      ELSE 'table' END AS object_type,
       string_agg(acl.privilege_type, ', ' ORDER BY acl.privilege_type) AS privileges,
       CASE WHEN bool_or(acl.privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')) THEN 'high'
            ELSE 'medium' END AS severity
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL aclexplode(c.relacl) AS acl
WHERE acl.grantee = 0
  AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
GROUP BY n.nspname, c.relname, c.relkind
ORDER BY 1, 2
