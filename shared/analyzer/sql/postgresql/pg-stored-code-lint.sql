-- Finds the stored code of this database for the linter: view and materialized view definitions, SQL and PL/pgSQL
-- function and procedure bodies (trigger functions included), excluding extension-owned objects. Run by the
-- pg_stored_code_lint handler, which parses each body with a real SQL parser.
-- Why: views and functions are code that no application linter sees; SELECT *, = NULL, leading-wildcard LIKE and
-- similar mistakes hide there for years.
SELECT n.nspname AS schema_name, c.relname AS object_name,
       CASE c.relkind WHEN 'm' THEN 'materialized view' ELSE 'view' END AS object_type,
       pg_get_viewdef(c.oid) AS definition
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                    AND d.deptype = 'e')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
UNION ALL
SELECT n.nspname, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
       CASE WHEN p.prokind = 'p' THEN 'procedure'
            WHEN p.prorettype = 'trigger'::regtype THEN 'trigger function'
            ELSE 'function' END,
       p.prosrc
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE l.lanname IN ('sql', 'plpgsql')
  AND p.prokind IN ('f', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                    AND d.deptype = 'e')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2
