-- Finds tables where at least 8 MB and half of the heap is estimated to be empty space, comparing the pages the
-- table occupies with the pages its live rows need (row count from pg_class, row width from pg_stats, fillfactor
-- honoured). Tables without statistics are left out: their size cannot be estimated.
-- Why: bloat makes every sequential scan read pages of nothing, wastes cache and disk, and is not given back by
-- plain VACUUM; it points at vacuum falling behind or a past mass delete/update.
WITH widths AS (
    SELECT c.oid, n.nspname, c.relname, c.reltuples, c.relpages,
           COALESCE((SELECT substring(o FROM 'fillfactor=([0-9]+)')::int
                     FROM unnest(c.reloptions) AS o WHERE o LIKE 'fillfactor=%'), 100) AS fillfactor,
           sum((1 - COALESCE(s.null_frac, 0)) * COALESCE(s.avg_width, 0)) AS data_width,
           bool_or(s.avg_width IS NULL) AS missing_stats,
           bool_or(COALESCE(s.null_frac, 0) > 0) AS has_nulls,
           count(*) AS column_count
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = a.attname
                        AND NOT s.inherited
    WHERE c.relkind IN ('r', 'm')
      AND c.reltuples >= 0
      AND c.relpages >= /*:min_pages*/ 128
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname !~ '^pg_(toast|temp_)'
    GROUP BY c.oid, n.nspname, c.relname, c.reltuples, c.relpages, c.reloptions
), estimate AS (
    SELECT w.*, current_setting('block_size')::int AS block_size,
           -- heap tuple header (23 bytes + null bitmap, 8-byte aligned) + data (aligned) + 4-byte line pointer
           ceil((23 + CASE WHEN w.has_nulls THEN ceil(w.column_count / 8.0) ELSE 0 END) / 8.0) * 8
             + ceil(w.data_width / 8.0) * 8 + 4 AS tuple_bytes
    FROM widths w
    WHERE NOT w.missing_stats
), pages AS (
    SELECT e.*, ceil(e.reltuples * e.tuple_bytes / ((e.block_size - 24) * e.fillfactor / 100.0)) AS expected_pages
    FROM estimate e
)
SELECT nspname AS schema_name, relname AS table_name,
       relpages::bigint * block_size AS table_size_bytes,
       pg_size_pretty(relpages::bigint * block_size) AS table_size,
       ((relpages - expected_pages) * block_size)::bigint AS wasted_bytes,
       pg_size_pretty(((relpages - expected_pages) * block_size)::bigint) AS wasted,
       round((100.0 * (relpages - expected_pages) / relpages)::numeric, 1) AS bloat_percent
FROM pages
WHERE (relpages - expected_pages) * block_size >= /*:min_bloat_mb*/ 8 * 1024 * 1024
  AND relpages - expected_pages >= /*:bloat_percent*/ 50 / 100.0 * relpages
ORDER BY wasted_bytes DESC
