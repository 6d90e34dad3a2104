-- Finds partial indexes whose predicate contains "col IS NOT NULL" for a column of the table declared NOT NULL
-- (matched on pg_get_expr's canonical, parenthesised form of the predicate).
-- Why: the clause filters nothing, yet it makes the index partial, so the planner uses it only when it can prove
-- the query implies the predicate; it also misleads readers about the data.
SELECT n.nspname AS schema_name, c.relname AS table_name, ci.relname AS index_name, a.attname AS column_name,
       pg_get_expr(i.indpred, i.indrelid) AS predicate, pg_relation_size(i.indexrelid) AS index_size_bytes
FROM pg_index i
JOIN pg_class ci ON ci.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum > 0 AND NOT a.attisdropped AND a.attnotnull
WHERE i.indpred IS NOT NULL
  AND position('(' || quote_ident(a.attname) || ' IS NOT NULL)' IN pg_get_expr(i.indpred, i.indrelid)) > 0
  AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2, 3, 4
