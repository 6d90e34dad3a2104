-- Finds tables and materialized views whose storage parameters switch autovacuum off (autovacuum_enabled = false
-- or toast.autovacuum_enabled = false).
-- Why: dead rows are never cleaned and statistics never refreshed for these tables except by manual runs, and only
-- emergency anti-wraparound vacuums still happen; often left behind after a bulk load.
SELECT n.nspname AS schema_name, c.relname AS table_name, array_to_string(c.reloptions, ', ') AS storage_options
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'm')
  AND EXISTS (SELECT 1 FROM unnest(c.reloptions) AS o
              WHERE o ~* '^(toast\.)?autovacuum_enabled=(false|off|f|no|n|0)$')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2
