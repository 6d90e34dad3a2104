-- Finds b-tree indexes with an array column among their key columns.
-- Why: a b-tree compares whole arrays, so it cannot answer the usual array questions (contains @>, overlaps &&,
-- = ANY) and large arrays may exceed the b-tree entry size limit and make inserts fail; a GIN index fits.
SELECT n.nspname AS schema_name, c.relname AS table_name, ci.relname AS index_name, a.attname AS column_name,
       format_type(a.atttypid, a.atttypmod) AS column_type
FROM pg_index i
JOIN pg_class ci ON ci.oid = i.indexrelid
JOIN pg_am am ON am.oid = ci.relam AND am.amname = 'btree'
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1])
JOIN pg_type t ON t.oid = a.atttypid
WHERE t.typcategory = 'A'
  AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2, 3, 4
