-- Finds b-tree indexes of at least 64 pages where at least 40 % of the pages are estimated to be empty: the pages
-- the index occupies are compared with the pages its entries need (entry count from pg_class.reltuples of the
-- index, key width from pg_stats, 8-byte entry header plus a null bitmap when keys can be null, 4-byte line pointer,
-- page header and b-tree special space, fillfactor honoured, one metapage). Indexes on expressions, and indexes
-- whose columns have no statistics, are left out: their entry size cannot be estimated.
-- Thresholds: 64 pages (512 kB with 8 kB blocks) so tiny indexes do not report rounding noise; 40 % bloat.
-- Why: a bloated index wastes cache and disk and makes every range scan read more pages; plain VACUUM does not
-- shrink it, REINDEX CONCURRENTLY does.
WITH ix AS (
    SELECT i.indexrelid, n.nspname AS schema_name, c.relname AS table_name, ci.relname AS index_name,
           ci.relpages, ci.reltuples, current_setting('block_size')::numeric AS block_size,
           COALESCE((SELECT substring(o FROM 'fillfactor=([0-9]+)')::int
                     FROM unnest(ci.reloptions) AS o WHERE o LIKE 'fillfactor=%'), 90) AS fillfactor,
           sum((1 - COALESCE(s.null_frac, 0)) * s.avg_width) AS data_width,
           bool_or(s.avg_width IS NULL) AS missing_stats,
           bool_or(COALESCE(s.null_frac, 0) > 0) AS has_nulls
    FROM pg_index i
    JOIN pg_class ci ON ci.oid = i.indexrelid
    JOIN pg_am am ON am.oid = ci.relam AND am.amname = 'btree'
    JOIN pg_class c ON c.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    CROSS JOIN LATERAL unnest(i.indkey::int2[]) AS k(attnum)
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
    LEFT JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = a.attname
    WHERE ci.relpages >= /*:min_pages*/ 64
      AND ci.reltuples >= 0
      AND i.indexprs IS NULL
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
    GROUP BY i.indexrelid, n.nspname, c.relname, ci.relname, ci.relpages, ci.reltuples, ci.reloptions
), estimate AS (
    SELECT ix.*,
           1 + ceil(reltuples / floor((block_size - 24 - 16) * fillfactor / 100.0
                                      / (4 + 8 * ceil((CASE WHEN has_nulls THEN 12 ELSE 8 END) / 8.0)
                                         + 8 * ceil(data_width / 8.0))))::numeric AS expected_pages
    FROM ix
    WHERE NOT missing_stats
)
SELECT schema_name, table_name, index_name,
       pg_size_pretty(relpages * block_size) AS index_size,
       pg_size_pretty((relpages - expected_pages) * block_size) AS bloat_size,
       round(100 * (relpages - expected_pages) / relpages) AS bloat_percent,
       relpages AS index_pages, expected_pages,
       CASE WHEN relpages - expected_pages >= 0.7 * relpages THEN 'high' ELSE 'medium' END AS severity
FROM estimate
WHERE relpages - expected_pages >= /*:bloat_percent*/ 40 / 100.0 * relpages
ORDER BY relpages - expected_pages DESC, 1, 2, 3
