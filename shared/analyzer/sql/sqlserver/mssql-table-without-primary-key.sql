-- Finds user tables that have no primary key constraint.
-- Why: rows cannot be addressed reliably, duplicates creep in, and replication, CDC-based tools and ORMs need a key.
SELECT s.name AS schema_name, t.name AS table_name
FROM sys.tables AS t
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE t.is_ms_shipped = 0
  AND NOT EXISTS (SELECT 1 FROM sys.key_constraints AS k WHERE k.parent_object_id = t.object_id AND k.type = 'PK')
ORDER BY s.name, t.name
