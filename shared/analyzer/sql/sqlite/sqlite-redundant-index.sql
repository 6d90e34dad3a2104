-- Finds non-unique indexes whose key columns are a leading prefix of another index on the same table
-- (INDEX (a) next to INDEX (a, b)) - partial indexes are left out.
-- Why: the longer index answers every lookup the shorter one does (foreign key checks included), so the shorter one
-- only costs writes and space.
WITH idx AS (
    SELECT m.name AS table_name, il.name AS index_name, il."unique" AS is_unique, il.origin AS origin,
           (SELECT group_concat(k, ', ') FROM (
                SELECT CASE WHEN x.cid = -2 THEN 'expr@' || il.name ELSE coalesce(x.name, 'rowid') END
                       || ' ' || x.coll || CASE WHEN x."desc" THEN ' DESC' ELSE '' END AS k
                FROM pragma_index_xinfo(il.name) x WHERE x.key = 1 ORDER BY x.seqno)) AS key_columns
    FROM sqlite_master m
    JOIN pragma_index_list(m.name) il
    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite!_%' ESCAPE '!' AND il.partial = 0
)
SELECT 'main' AS schema_name, d.table_name, d.index_name, replace(d.key_columns, ' BINARY', '') AS index_columns,
       min(k.index_name) AS covered_by
FROM idx d
JOIN idx k ON k.table_name = d.table_name AND k.index_name <> d.index_name
          AND length(k.key_columns) > length(d.key_columns)
          AND substr(k.key_columns, 1, length(d.key_columns) + 2) = d.key_columns || ', ' COLLATE NOCASE
WHERE d.origin = 'c' AND d.is_unique = 0
GROUP BY d.table_name, d.index_name, d.key_columns
ORDER BY d.table_name, d.index_name
