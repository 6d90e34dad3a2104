-- Finds valid non-unique indexes led by a nullable column whose predicate does not mention that column, when at
-- least 10 % of the table's values of that column are NULL according to pg_stats, or when the column has no
-- statistics yet (reported with share "unknown").
-- Why: an index stores an entry for every NULL too; queries seldom search for NULL, so those entries cost size,
-- writes and cache for nothing, and a partial index WHERE col IS NOT NULL serves the same lookups (including a
-- foreign key's) with fewer pages.
SELECT n.nspname AS schema_name, c.relname AS table_name, ci.relname AS index_name, a.attname AS column_name,
       COALESCE(round(100 * s.null_frac)::text || ' %', 'unknown (not analyzed)') AS null_share,
       pg_relation_size(i.indexrelid) AS index_size_bytes
FROM pg_index i
JOIN pg_class ci ON ci.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
LEFT JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = a.attname
WHERE NOT i.indisunique
  AND i.indisvalid
  AND NOT a.attnotnull
  AND NOT c.relispartition
  AND (i.indpred IS NULL OR position(quote_ident(a.attname) IN pg_get_expr(i.indpred, i.indrelid)) = 0)
  AND (s.null_frac IS NULL OR s.null_frac >= /*:null_percent*/ 10 / 100.0)
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2, 3
