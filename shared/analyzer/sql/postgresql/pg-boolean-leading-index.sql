-- Finds b-tree indexes without a WHERE clause whose leading key column is boolean.
-- Why: a boolean splits the table into at most two (three with NULL) values, so the index is rarely selective
-- enough to beat a sequential scan yet is maintained on every write; a partial index (WHERE flag) on the rare value
-- is smaller and actually used.
SELECT n.nspname AS schema_name, c.relname AS table_name, ci.relname AS index_name, a.attname AS column_name,
       pg_relation_size(i.indexrelid) AS index_size_bytes
FROM pg_index i
JOIN pg_class ci ON ci.oid = i.indexrelid
JOIN pg_am am ON am.oid = ci.relam AND am.amname = 'btree'
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
WHERE a.atttypid = 'boolean'::regtype
  AND i.indpred IS NULL
  AND NOT i.indisunique
  AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2, 3
