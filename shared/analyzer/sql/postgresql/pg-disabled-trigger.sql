-- Finds user triggers that are disabled (ALTER TABLE ... DISABLE TRIGGER).
-- Why: whatever the trigger enforces (audit rows, derived columns, cross-table rules) silently stops happening;
-- triggers are often disabled for a bulk load and never re-enabled.
SELECT n.nspname AS schema_name, c.relname AS table_name, t.tgname AS object_name, 'trigger' AS object_type
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal
  AND t.tgenabled = 'D'
  AND t.tgparentid = 0
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2, 3
