-- Finds indexes identical to another index on the same table (same columns, expressions, predicate, operator
-- classes, collations and ordering), reporting the one to drop: a plain index before a unique one, an index made by
-- hand before one that backs a constraint (DROP INDEX fails on those: "constraint ... requires it"), a unique
-- constraint before the primary key. The statement to run comes with it (DROP INDEX or DROP CONSTRAINT).
-- Why: a duplicate index doubles write cost, WAL volume, vacuum work and memory use and never speeds up a read.
WITH idx AS (
    SELECT i.*, k.conname AS backing_constraint
    FROM pg_index i
    LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid AND k.conrelid = i.indrelid
                             AND k.contype IN ('p', 'u', 'x')
)
SELECT DISTINCT ON (i.indexrelid)
       n.nspname AS schema_name, c.relname AS table_name, ci.relname AS index_name,
       cd.relname AS duplicate_of, pg_relation_size(i.indexrelid) AS index_size_bytes,
       pg_size_pretty(pg_relation_size(i.indexrelid)) AS index_size,
       CASE WHEN i.backing_constraint IS NULL
            THEN format('DROP INDEX CONCURRENTLY %I.%I', n.nspname, ci.relname)
            ELSE format('ALTER TABLE %I.%I DROP CONSTRAINT %I', n.nspname, c.relname, i.backing_constraint)
       END AS drop_statement
FROM idx i
JOIN idx d ON d.indrelid = i.indrelid
          AND (i.indisprimary, i.backing_constraint IS NOT NULL, i.indisunique, i.indexrelid)
            < (d.indisprimary, d.backing_constraint IS NOT NULL, d.indisunique, d.indexrelid)
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class ci ON ci.oid = i.indexrelid
JOIN pg_class cd ON cd.oid = d.indexrelid
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
  AND NOT c.relispartition
  AND i.indisvalid AND d.indisvalid
  AND ci.relam = cd.relam
  AND i.indkey::text = d.indkey::text
  AND i.indnkeyatts = d.indnkeyatts
  AND i.indclass::text = d.indclass::text
  AND i.indcollation::text = d.indcollation::text
  AND i.indoption::text = d.indoption::text
  AND COALESCE(pg_get_expr(i.indexprs, i.indrelid), '') = COALESCE(pg_get_expr(d.indexprs, d.indrelid), '')
  AND COALESCE(pg_get_expr(i.indpred, i.indrelid), '') = COALESCE(pg_get_expr(d.indpred, d.indrelid), '')
  AND NOT (i.indisunique AND NOT d.indisunique)
ORDER BY i.indexrelid, d.indisprimary DESC, d.backing_constraint IS NOT NULL DESC, d.indisunique DESC, d.indexrelid
