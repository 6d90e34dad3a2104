-- Finds foreign keys whose referencing and referenced table are the same (hierarchies) and whose ON DELETE action
-- is NO ACTION (the default) or RESTRICT.
-- Why: deleting a node that still has children then fails, so the application has to walk and delete or re-parent
-- the subtree itself, in the right order, in one transaction (and risks deadlocks doing it concurrently);
-- CASCADE or SET NULL lets the database do it.
SELECT n.nspname AS schema_name, c.relname AS table_name, k.conname AS constraint_name,
       (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY u.ord)
          FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum) AS column_names,
       CASE k.confdeltype WHEN 'r' THEN 'RESTRICT' ELSE 'NO ACTION' END AS on_delete
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE k.contype = 'f'
  AND k.conrelid = k.confrelid
  AND k.confdeltype IN ('a', 'r')
  AND k.conparentid = 0
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2, 3
