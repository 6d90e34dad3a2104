-- Finds foreign keys created NOT VALID and never validated.
-- Why: rows that existed before the constraint was added may point at nothing; new writes are checked, old data
-- is not, so the relationship cannot be trusted by code, reports or the planner's join estimates.
SELECT n.nspname AS schema_name, c.relname AS table_name, k.conname AS constraint_name,
       k.confrelid::regclass::text AS referenced_table
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE k.contype = 'f'
  AND NOT k.convalidated
  AND k.conparentid = 0
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2, 3
