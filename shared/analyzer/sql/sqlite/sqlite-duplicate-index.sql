-- Finds indexes created with CREATE INDEX whose key (columns, collations, order) equals another index on the same
-- table, including the automatic indexes behind PRIMARY KEY and UNIQUE constraints - partial indexes are left out.
-- Why: every copy is updated on each write and grows the file, and the planner never needs both.
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
       min(k.index_name) AS duplicate_of
FROM idx d
JOIN idx k ON k.table_name = d.table_name AND k.index_name <> d.index_name
          AND k.key_columns = d.key_columns COLLATE NOCASE
WHERE d.origin = 'c'
  AND (d.is_unique < k.is_unique
       OR (d.is_unique = k.is_unique AND (k.origin <> 'c' OR k.index_name < d.index_name)))
GROUP BY d.table_name, d.index_name, d.key_columns
ORDER BY d.table_name, d.index_name
