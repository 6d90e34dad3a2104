-- Finds indexes whose key (columns, prefix lengths, order and index type) is identical to another index on the same
-- table; reports the one that can go (never the primary key, and a non-unique one before a unique one).
-- Why: every duplicate is written on each INSERT/UPDATE/DELETE, takes buffer-pool memory and disk, and adds nothing
-- to reads.
WITH idx AS (
    SELECT s.TABLE_SCHEMA AS schema_name, s.TABLE_NAME AS table_name, s.INDEX_NAME AS index_name,
           MIN(s.NON_UNIQUE) AS non_unique, MAX(s.INDEX_TYPE) AS index_type,
           GROUP_CONCAT(CONCAT(COALESCE(s.COLUMN_NAME, CONCAT('expr', s.SEQ_IN_INDEX, '@', s.INDEX_NAME)),
                               COALESCE(CONCAT('(', s.SUB_PART, ')'), ''),
                               CASE WHEN s.COLLATION = 'D' THEN ' DESC' ELSE '' END)
                        ORDER BY s.SEQ_IN_INDEX SEPARATOR ', ') AS key_columns
    FROM information_schema.STATISTICS s
    WHERE s.TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
      AND s.TABLE_SCHEMA = COALESCE(DATABASE(), s.TABLE_SCHEMA)
    GROUP BY s.TABLE_SCHEMA, s.TABLE_NAME, s.INDEX_NAME
)
SELECT d.schema_name, d.table_name, d.index_name, d.key_columns AS index_columns, MIN(k.index_name) AS duplicate_of
FROM idx d
JOIN idx k ON k.schema_name = d.schema_name AND k.table_name = d.table_name AND k.index_name <> d.index_name
          AND k.key_columns = d.key_columns AND k.index_type = d.index_type
WHERE d.index_name <> 'PRIMARY'
  AND (d.non_unique > k.non_unique
       OR (d.non_unique = k.non_unique AND (k.index_name = 'PRIMARY' OR k.index_name < d.index_name)))
GROUP BY d.schema_name, d.table_name, d.index_name, d.key_columns
ORDER BY 1, 2, 3
