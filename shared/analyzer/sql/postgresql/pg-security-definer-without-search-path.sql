-- Finds SECURITY DEFINER functions and procedures that do not pin search_path (SET search_path = ...), excluding
-- those installed by extensions.
-- Why: the function runs with its owner's rights but resolves unqualified names through the caller's search_path,
-- so a caller who can create objects in any schema on that path can make it run their code with those rights.
SELECT n.nspname AS schema_name, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS object_name,
       CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END AS object_type,
       pg_get_userbyid(p.proowner) AS owner
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE p.prosecdef
  AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) AS cfg WHERE cfg LIKE 'search_path=%')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                    AND d.deptype = 'e')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2
