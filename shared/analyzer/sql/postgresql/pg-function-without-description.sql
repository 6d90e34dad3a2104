-- Finds user functions, procedures and aggregates (not extension members) without a description (COMMENT ON
-- FUNCTION / PROCEDURE; blank counts as none).
-- Why: server-side code is invisible to most readers of the application; its comment is the one place tools show
-- what it does, what it expects and what it changes.
SELECT n.nspname AS schema_name, p.proname AS object_name, pg_get_function_identity_arguments(p.oid) AS arguments,
       CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END AS object_type
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
LEFT JOIN pg_description d ON d.objoid = p.oid AND d.classoid = 'pg_proc'::regclass AND d.objsubid = 0
WHERE COALESCE(btrim(d.description), '') = ''
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                    AND d.deptype = 'e')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2, 3
