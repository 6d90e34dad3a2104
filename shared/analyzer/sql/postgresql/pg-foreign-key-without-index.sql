-- Finds foreign keys whose columns are not the leading columns of any valid, non-partial index on the referencing
-- table.
-- Why: every DELETE or key UPDATE on the referenced table must look up referencing rows; without an index that is a
-- sequential scan of the referencing table per row (holding locks meanwhile), and joins along the key cannot use
-- an index either.
SELECT n.nspname AS schema_name, c.relname AS table_name, k.conname AS constraint_name,
       (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY u.ord)
          FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum) AS column_names,
       k.confrelid::regclass::text AS referenced_table,
       pg_relation_size(c.oid) AS table_size_bytes
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE k.contype = 'f'
  AND k.conparentid = 0
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
  AND NOT EXISTS (
        SELECT 1
        FROM pg_index i
        WHERE i.indrelid = k.conrelid
          AND i.indisvalid
          AND i.indpred IS NULL
          AND (i.indkey::int2[])[0:cardinality(k.conkey) - 1] @> k.conkey)
ORDER BY 1, 2, 3
