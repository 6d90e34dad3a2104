-- Finds pairs of valid b-tree indexes on the same table (same operator classes, collations and ordering on the
-- shared columns; no expressions or predicates) where one index's key columns are a strict leading prefix of the
-- other's, reporting the index that is redundant:
--   * a non-unique shorter index (not backing a constraint) under a longer one: the longer index serves every
--     lookup the shorter one serves;
--   * a non-unique longer index (not backing a constraint) over a UNIQUE shorter one, e.g. (id, phone) over a
--     unique (id): a lookup by id already finds at most one row, so the extra columns only pay off for index-only
--     scans.
-- Why: the redundant index adds write cost, WAL and vacuum work for lookups another index already serves.
WITH pairs AS (
    SELECT a.indrelid, a.indexrelid AS short_oid, b.indexrelid AS long_oid, a.indisunique AS short_unique,
           b.indnkeyatts AS long_keys
    FROM pg_index a
    JOIN pg_index b ON b.indrelid = a.indrelid AND b.indexrelid <> a.indexrelid
    JOIN pg_class ca ON ca.oid = a.indexrelid
    JOIN pg_class cb ON cb.oid = b.indexrelid
    JOIN pg_am am ON am.oid = ca.relam AND am.amname = 'btree'
    WHERE cb.relam = ca.relam
      AND a.indisvalid AND b.indisvalid
      AND a.indexprs IS NULL AND b.indexprs IS NULL
      AND a.indpred IS NULL AND b.indpred IS NULL
      AND a.indnkeyatts < b.indnkeyatts
      AND (a.indkey::int2[])[0:a.indnkeyatts - 1] = (b.indkey::int2[])[0:a.indnkeyatts - 1]
      AND (a.indclass::oid[])[0:a.indnkeyatts - 1] = (b.indclass::oid[])[0:a.indnkeyatts - 1]
      AND (a.indcollation::oid[])[0:a.indnkeyatts - 1] = (b.indcollation::oid[])[0:a.indnkeyatts - 1]
      AND (a.indoption::int2[])[0:a.indnkeyatts - 1] = (b.indoption::int2[])[0:a.indnkeyatts - 1]
), constrained AS (
    SELECT k.conindid FROM pg_constraint k WHERE k.conindid <> 0
), redundant AS (
    SELECT p.indrelid, p.short_oid AS index_oid, p.long_oid AS other_oid, 'is a left prefix of' AS overlap,
           'the longer index serves the same lookups' AS reason, p.long_keys AS rank
    FROM pairs p
    JOIN pg_index s ON s.indexrelid = p.short_oid
    WHERE NOT s.indisunique AND p.short_oid NOT IN (SELECT conindid FROM constrained)
    UNION ALL
    SELECT p.indrelid, p.long_oid, p.short_oid, 'extends the unique index',
           'a lookup on the unique columns already finds at most one row, so the extra columns only help index-only '
           || 'scans', 0
    FROM pairs p
    JOIN pg_index l ON l.indexrelid = p.long_oid
    WHERE p.short_unique AND NOT l.indisunique AND p.long_oid NOT IN (SELECT conindid FROM constrained)
)
SELECT DISTINCT ON (r.index_oid)
       n.nspname AS schema_name, c.relname AS table_name, ci.relname AS index_name,
       co.relname AS covered_by, r.overlap, r.reason, pg_relation_size(r.index_oid) AS index_size_bytes,
       pg_size_pretty(pg_relation_size(r.index_oid)) AS index_size
FROM redundant r
JOIN pg_class c ON c.oid = r.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class ci ON ci.oid = r.index_oid
JOIN pg_class co ON co.oid = r.other_oid
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
  AND NOT c.relispartition
ORDER BY r.index_oid, r.rank, r.other_oid
