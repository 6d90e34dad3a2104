-- Finds the stored code to lint: the CREATE statements of views and triggers (the handler parses each with the
-- shared SQL linter and reports its issues).
-- Why: SELECT *, = NULL comparisons and similar mistakes hide in views and triggers that no application test reads.
SELECT 'main' AS schema_name, m.name AS object_name, m.type AS object_type, m.sql AS definition
FROM sqlite_master m
WHERE m.type IN ('view', 'trigger') AND m.sql IS NOT NULL
ORDER BY m.type, m.name
