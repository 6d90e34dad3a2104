-- Finds tables with row-level security enabled but no policy defined.
-- Why: with RLS on and no policy, every role other than the owner (and BYPASSRLS roles) sees no rows and cannot
-- write any: a half-finished security setup that breaks the application or hides that the policies were dropped.
SELECT n.nspname AS schema_name, c.relname AS table_name, c.relforcerowsecurity AS is_forced
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND c.relrowsecurity
  AND NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2
