-- Finds foreign keys over two or more columns, not MATCH FULL, where at least one referencing column is nullable.
-- Why: under MATCH SIMPLE (the default) a referencing row with ANY key column NULL is not checked at all, so a
-- partly filled key that points at nothing is accepted silently; MATCH FULL requires all or none to be NULL.
SELECT n.nspname AS schema_name, c.relname AS table_name, k.conname AS constraint_name,
       (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY u.ord)
          FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum) AS column_names,
       (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY u.ord)
          FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum
         WHERE NOT a.attnotnull) AS nullable_columns,
       k.confrelid::regclass::text AS referenced_table
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE k.contype = 'f'
  AND k.conparentid = 0
  AND cardinality(k.conkey) > 1
  AND k.confmatchtype <> 'f'
  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
                AND NOT a.attnotnull)
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2, 3
