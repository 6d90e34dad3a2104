-- Finds foreign keys that repeat another foreign key on the same table (same columns, same referenced table and
-- columns), reporting the later one.
-- Why: each copy is checked on every insert and update of the referencing table and on every delete of the
-- referenced one, doubling the cost for no extra integrity.
SELECT n.nspname AS schema_name, c.relname AS table_name, k.conname AS constraint_name,
       o.conname AS duplicate_of, k.confrelid::regclass::text AS referenced_table
FROM pg_constraint k
JOIN pg_constraint o ON o.conrelid = k.conrelid AND o.contype = 'f' AND o.oid < k.oid
                    AND o.confrelid = k.confrelid AND o.conkey = k.conkey AND o.confkey = k.confkey
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE k.contype = 'f'
  AND k.conparentid = 0
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
  AND NOT EXISTS (SELECT 1 FROM pg_constraint m WHERE m.conrelid = k.conrelid AND m.contype = 'f'
                    AND m.oid < o.oid AND m.confrelid = k.confrelid AND m.conkey = k.conkey
                    AND m.confkey = k.confkey)
ORDER BY 1, 2, 3
