-- Finds pairs of indexes on the same table with identical key columns (same order and direction), identical
-- included columns and the same filter.
-- Why: the duplicate doubles the write and storage cost and buys nothing; the optimizer uses only one of them.
SELECT s.name AS schema_name, t.name AS table_name, i2.name AS index_name, i1.name AS duplicate_of,
       i2.is_unique AS is_unique
FROM sys.indexes AS i1
JOIN sys.indexes AS i2 ON i2.object_id = i1.object_id AND i2.index_id > i1.index_id
JOIN sys.tables AS t ON t.object_id = i1.object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE t.is_ms_shipped = 0 AND i1.type IN (1, 2) AND i2.type = 2
  AND i1.is_hypothetical = 0 AND i2.is_hypothetical = 0
  AND ISNULL(i1.filter_definition, N'') = ISNULL(i2.filter_definition, N'')
  AND NOT EXISTS (
    SELECT a.column_id, a.key_ordinal, a.is_descending_key, a.is_included_column
    FROM sys.index_columns AS a WHERE a.object_id = i1.object_id AND a.index_id = i1.index_id
    EXCEPT
    SELECT b.column_id, b.key_ordinal, b.is_descending_key, b.is_included_column
    FROM sys.index_columns AS b WHERE b.object_id = i2.object_id AND b.index_id = i2.index_id)
  AND NOT EXISTS (
    SELECT b.column_id, b.key_ordinal, b.is_descending_key, b.is_included_column
    FROM sys.index_columns AS b WHERE b.object_id = i2.object_id AND b.index_id = i2.index_id
    EXCEPT
    SELECT a.column_id, a.key_ordinal, a.is_descending_key, a.is_included_column
    FROM sys.index_columns AS a WHERE a.object_id = i1.object_id AND a.index_id = i1.index_id)
ORDER BY s.name, t.name, i2.name
