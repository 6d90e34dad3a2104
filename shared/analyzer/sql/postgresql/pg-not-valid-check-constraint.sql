-- Finds CHECK constraints created NOT VALID and never validated.
-- Why: rows written before the constraint was added were never checked, so the constraint does not guarantee
-- what it says and the planner cannot rely on it (constraint exclusion, partition pruning).
SELECT n.nspname AS schema_name, c.relname AS table_name, k.conname AS constraint_name,
       pg_get_constraintdef(k.oid) AS constraint_definition
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE k.contype = 'c'
  AND NOT k.convalidated
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2, 3
