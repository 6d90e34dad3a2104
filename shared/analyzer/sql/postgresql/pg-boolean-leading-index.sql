-- Finds b-tree indexes without a WHERE clause with a boolean key column in any position (the leading one or a later
-- one), one row per index and column.
-- Why: a boolean splits the table into at most two (three with NULL) values, so leading with it is rarely selective
-- enough to beat a sequential scan, and as a later key it adds width while selecting little; either way the index is
-- maintained on every write, and a partial index (WHERE flag) on the rare value is smaller and actually used.
SELECT n.nspname AS schema_name, c.relname AS table_name, ci.relname AS index_name, a.attname AS column_name,
       k.ord AS key_position,
       CASE WHEN k.ord = 1 THEN 'starts with' ELSE 'has as key ' || k.ord || ' of ' || i.indnkeyatts END AS placement,
       pg_relation_size(i.indexrelid) AS index_size_bytes
FROM pg_index i
CROSS JOIN LATERAL unnest((i.indkey::int2[])[0:i.indnkeyatts - 1]) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_class ci ON ci.oid = i.indexrelid
JOIN pg_am am ON am.oid = ci.relam AND am.amname = 'btree'
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE a.atttypid = 'boolean'::regtype
  AND i.indpred IS NULL
  AND NOT i.indisunique
  AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2, 3, k.ord