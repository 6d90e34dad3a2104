-- Finds valid non-unique b-tree indexes with two or more key columns where a timestamp or timestamptz key column is
-- not the last key column (one row per such column).
-- Why: queries filter timestamps by ranges; a range on a leading key means the keys after it can only be checked
-- row by row, not used to narrow the scan. Equality columns first, then sort, then range (ESR) keeps them useful.
SELECT n.nspname AS schema_name, c.relname AS table_name, ci.relname AS index_name, a.attname AS column_name,
       k.ord AS key_position,
       (SELECT string_agg(COALESCE(quote_ident(b.attname), 'expr'), ', ' ORDER BY kk.ord)
          FROM unnest((i.indkey::int2[])[0:i.indnkeyatts - 1]) WITH ORDINALITY AS kk(attnum, ord)
          LEFT JOIN pg_attribute b ON b.attrelid = i.indrelid AND b.attnum = kk.attnum) AS key_columns,
       pg_relation_size(i.indexrelid) AS index_size_bytes
FROM pg_index i
CROSS JOIN LATERAL unnest((i.indkey::int2[])[0:i.indnkeyatts - 1]) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_class ci ON ci.oid = i.indexrelid
JOIN pg_am am ON am.oid = ci.relam AND am.amname = 'btree'
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE a.atttypid IN ('timestamp'::regtype, 'timestamptz'::regtype)
  AND k.ord < i.indnkeyatts
  AND NOT i.indisunique
  AND i.indisvalid
  AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2, 3, k.ord
