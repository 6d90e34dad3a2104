-- Finds foreign keys whose columns are not the leading columns of any valid index on the referencing table, one
-- finding per table and column list (foreign keys repeating the same columns share the finding, so following the
-- advice creates one index, not one per copy). A partial index counts when its predicate only says the key
-- columns are NOT NULL: the lookup PostgreSQL runs for the key (col = $1) implies that predicate, so it uses it.
-- Why: every DELETE or key UPDATE on the referenced table must look up referencing rows; without an index that is a
-- sequential scan of the referencing table per row (holding locks meanwhile), and joins along the key cannot use
-- an index either.
WITH fk AS (
    SELECT k.conrelid, k.conkey, k.conname, k.confrelid,
           (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY u.ord)
              FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum) AS column_names,
           (SELECT string_agg(regexp_replace(quote_ident(a.attname), '([.^$*+?()\[\]{}|\\])', '\\\1', 'g'), '|')
              FROM unnest(k.conkey) AS u(attnum)
              JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum) AS column_pattern
    FROM pg_constraint k
    JOIN pg_class c ON c.oid = k.conrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE k.contype = 'f'
      AND k.conparentid = 0
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname !~ '^pg_(toast|temp_)'
), unindexed AS (
    SELECT fk.*
    FROM fk
    WHERE NOT EXISTS (
            SELECT 1
            FROM pg_index i
            WHERE i.indrelid = fk.conrelid
              AND i.indisvalid
              AND (i.indkey::int2[])[0:cardinality(fk.conkey) - 1] @> fk.conkey
              AND (i.indpred IS NULL
                   OR regexp_replace(pg_get_expr(i.indpred, i.indrelid),
                                     '(' || fk.column_pattern || ') IS NOT NULL', '', 'g') ~ '^[\s()]*(AND[\s()]*)*$'))
)
SELECT n.nspname AS schema_name, c.relname AS table_name,
       (array_agg(u.conname ORDER BY u.conname))[1] AS constraint_name,
       CASE WHEN count(*) > 1
            THEN ' (and ' || array_to_string((array_agg(u.conname ORDER BY u.conname))[2:], ', ')
                 || ' on the same columns)'
            ELSE '' END AS same_key_constraints,
       u.column_names,
       string_agg(DISTINCT u.confrelid::regclass::text, ', ') AS referenced_table,
       pg_relation_size(c.oid) AS table_size_bytes
FROM unindexed u
JOIN pg_class c ON c.oid = u.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
GROUP BY n.nspname, c.relname, c.oid, u.conkey, u.column_names
ORDER BY 1, 2, 3
