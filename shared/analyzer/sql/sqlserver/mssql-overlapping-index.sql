-- Finds nonclustered, non-unique indexes whose key columns are a leading prefix of another index's keys on the
-- same table (IX(a) next to IX(a, b)).
-- Why: the wider index serves every seek the narrower one serves; the narrow one only adds write and storage cost.
SELECT s.name AS schema_name, t.name AS table_name, narrow.name AS index_name, wide.name AS covered_by
FROM sys.indexes AS narrow
JOIN sys.indexes AS wide ON wide.object_id = narrow.object_id AND wide.index_id <> narrow.index_id
JOIN sys.tables AS t ON t.object_id = narrow.object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE t.is_ms_shipped = 0 AND narrow.type = 2 AND wide.type IN (1, 2)
  AND narrow.is_unique = 0 AND narrow.is_primary_key = 0 AND narrow.has_filter = 0 AND wide.has_filter = 0
  AND narrow.is_hypothetical = 0 AND wide.is_hypothetical = 0 AND narrow.is_disabled = 0 AND wide.is_disabled = 0
  AND (SELECT COUNT(*) FROM sys.index_columns AS a
       WHERE a.object_id = narrow.object_id AND a.index_id = narrow.index_id AND a.key_ordinal > 0)
    < (SELECT COUNT(*) FROM sys.index_columns AS b
       WHERE b.object_id = wide.object_id AND b.index_id = wide.index_id AND b.key_ordinal > 0)
  AND NOT EXISTS (
    SELECT a.column_id, a.key_ordinal, a.is_descending_key
    FROM sys.index_columns AS a
    WHERE a.object_id = narrow.object_id AND a.index_id = narrow.index_id AND a.key_ordinal > 0
    EXCEPT
    SELECT b.column_id, b.key_ordinal, b.is_descending_key
    FROM sys.index_columns AS b
    WHERE b.object_id = wide.object_id AND b.index_id = wide.index_id AND b.key_ordinal > 0)
  AND NOT EXISTS (
    SELECT a.column_id
    FROM sys.index_columns AS a
    WHERE a.object_id = narrow.object_id AND a.index_id = narrow.index_id AND a.is_included_column = 1
    EXCEPT
    SELECT b.column_id
    FROM sys.index_columns AS b
    WHERE b.object_id = wide.object_id AND b.index_id = wide.index_id)
ORDER BY s.name, t.name, narrow.name
