-- Finds pairs of foreign keys on the same table referencing the same table whose column sets overlap without being
-- equal (equal sets are pg-duplicate-foreign-key); each pair is reported once, on the name that sorts first.
-- Why: two keys over partly the same columns to the same target usually mean one was added on top of the other and
-- never removed; both are checked on every insert and update and they can disagree about which rows are valid.
SELECT n.nspname AS schema_name, c.relname AS table_name, k1.conname AS constraint_name,
       (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY u.ord)
          FROM unnest(k1.conkey) WITH ORDINALITY AS u(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = k1.conrelid AND a.attnum = u.attnum) AS column_names,
       k2.conname AS other_constraint,
       (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY u.ord)
          FROM unnest(k2.conkey) WITH ORDINALITY AS u(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = k2.conrelid AND a.attnum = u.attnum) AS other_columns,
       k1.confrelid::regclass::text AS referenced_table
FROM pg_constraint k1
JOIN pg_constraint k2 ON k2.conrelid = k1.conrelid AND k2.confrelid = k1.confrelid AND k2.contype = 'f'
                     AND k2.conname > k1.conname AND k2.conparentid = 0
JOIN pg_class c ON c.oid = k1.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE k1.contype = 'f'
  AND k1.conparentid = 0
  AND k1.conkey && k2.conkey
  AND NOT (k1.conkey @> k2.conkey AND k2.conkey @> k1.conkey)
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2, 3, 5
