-- Finds table columns of type json (rather than jsonb).
-- Why: json keeps the raw text and re-parses it on every access, has no equality operator (so no DISTINCT, GROUP
-- BY or unique index) and cannot be GIN-indexed; jsonb is the right default unless key order or duplicate keys
-- must be preserved.
SELECT n.nspname AS schema_name, c.relname AS table_name, a.attname AS column_name
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE a.attnum > 0
  AND NOT a.attisdropped
  AND a.atttypid = 'json'::regtype
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2, 3
