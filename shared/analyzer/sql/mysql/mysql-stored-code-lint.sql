-- Finds the stored code to lint: view, routine and trigger bodies of the analysed database (the handler parses each
-- with the shared SQL linter and reports its issues).
-- Why: SELECT *, = NULL comparisons, leading-wildcard LIKE and similar patterns hide in stored code that no
-- application test reads.
SELECT v.TABLE_SCHEMA AS schema_name, v.TABLE_NAME AS object_name, 'view' AS object_type,
       v.VIEW_DEFINITION AS definition
FROM information_schema.VIEWS v
WHERE v.TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
  AND v.TABLE_SCHEMA = COALESCE(DATABASE(), v.TABLE_SCHEMA)
UNION ALL
SELECT r.ROUTINE_SCHEMA, r.ROUTINE_NAME, LOWER(r.ROUTINE_TYPE), r.ROUTINE_DEFINITION
FROM information_schema.ROUTINES r
WHERE r.ROUTINE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
  AND r.ROUTINE_SCHEMA = COALESCE(DATABASE(), r.ROUTINE_SCHEMA)
  AND r.ROUTINE_BODY = 'SQL'
UNION ALL
SELECT g.TRIGGER_SCHEMA, g.TRIGGER_NAME, 'trigger', g.ACTION_STATEMENT
FROM information_schema.TRIGGERS g
WHERE g.TRIGGER_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
  AND g.TRIGGER_SCHEMA = COALESCE(DATABASE(), g.TRIGGER_SCHEMA)
ORDER BY 1, 3, 2
