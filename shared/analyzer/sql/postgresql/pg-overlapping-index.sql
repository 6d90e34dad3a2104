-- Finds non-unique b-tree indexes whose key columns are a strict leading prefix of another valid b-tree index on
-- the same table (same operator classes, collations and ordering; neither has expressions or a predicate).
-- Why: the longer index serves every lookup the shorter one serves, so the shorter one only adds write cost,
-- WAL and vacuum work.
SELECT DISTINCT ON (a.indexrelid)
       n.nspname AS schema_name, c.relname AS table_name, ca.relname AS index_name,
       cb.relname AS covered_by, pg_relation_size(a.indexrelid) AS index_size_bytes,
       pg_size_pretty(pg_relation_size(a.indexrelid)) AS index_size
FROM pg_index a
JOIN pg_index b ON b.indrelid = a.indrelid AND b.indexrelid <> a.indexrelid
JOIN pg_class c ON c.oid = a.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class ca ON ca.oid = a.indexrelid
JOIN pg_class cb ON cb.oid = b.indexrelid
JOIN pg_am am ON am.oid = ca.relam AND am.amname = 'btree'
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
  AND NOT c.relispartition
  AND cb.relam = ca.relam
  AND a.indisvalid AND b.indisvalid
  AND NOT a.indisunique
  AND a.indexrelid NOT IN (SELECT k.conindid FROM pg_constraint k WHERE k.conindid <> 0)
  AND a.indexprs IS NULL AND b.indexprs IS NULL
  AND a.indpred IS NULL AND b.indpred IS NULL
  AND a.indnkeyatts < b.indnkeyatts
  AND (a.indkey::int2[])[0:a.indnkeyatts - 1] = (b.indkey::int2[])[0:a.indnkeyatts - 1]
  AND (a.indclass::oid[])[0:a.indnkeyatts - 1] = (b.indclass::oid[])[0:a.indnkeyatts - 1]
  AND (a.indcollation::oid[])[0:a.indnkeyatts - 1] = (b.indcollation::oid[])[0:a.indnkeyatts - 1]
  AND (a.indoption::int2[])[0:a.indnkeyatts - 1] = (b.indoption::int2[])[0:a.indnkeyatts - 1]
ORDER BY a.indexrelid, b.indnkeyatts, b.indexrelid
