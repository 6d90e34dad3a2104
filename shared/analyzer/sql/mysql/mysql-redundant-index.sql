-- Finds non-unique B-tree indexes whose columns are a leading prefix of another B-tree index on the same table
-- (INDEX (a) next to INDEX (a, b)).
-- Why: the longer index serves every lookup the shorter one serves (including foreign keys, which only need the
-- columns as a prefix), so the shorter one only costs writes, memory and disk.
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
SELECT d.schema_name, d.table_name, d.index_name, d.key_columns AS index_columns,
       MIN(k.index_name) AS covered_by, MIN(k.key_columns) AS covering_columns
FROM idx d
JOIN idx k ON k.schema_name = d.schema_name AND k.table_name = d.table_name AND k.index_name <> d.index_name
          AND k.index_type = 'BTREE' AND CHAR_LENGTH(k.key_columns) > CHAR_LENGTH(d.key_columns)
          AND LEFT(k.key_columns, CHAR_LENGTH(d.key_columns) + 2) = CONCAT(d.key_columns, ', ')
WHERE d.index_name <> 'PRIMARY' AND d.non_unique = 1 AND d.index_type = 'BTREE'
GROUP BY d.schema_name, d.table_name, d.index_name, d.key_columns
ORDER BY 1, 2, 3
