-- Finds foreign keys that repeat another foreign key: same table, same referenced table, same column pairs.
-- Why: every insert and update checks both constraints, and the copies drift apart when one is disabled or altered.
SELECT s.name AS schema_name, t.name AS table_name, f2.name AS constraint_name, f1.name AS duplicate_of
FROM sys.foreign_keys AS f1
JOIN sys.foreign_keys AS f2 ON f2.parent_object_id = f1.parent_object_id
  AND f2.referenced_object_id = f1.referenced_object_id AND f2.object_id > f1.object_id
JOIN sys.tables AS t ON t.object_id = f1.parent_object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE t.is_ms_shipped = 0
  AND NOT EXISTS (
    SELECT a.parent_column_id, a.referenced_column_id FROM sys.foreign_key_columns AS a
    WHERE a.constraint_object_id = f1.object_id
    EXCEPT
    SELECT b.parent_column_id, b.referenced_column_id FROM sys.foreign_key_columns AS b
    WHERE b.constraint_object_id = f2.object_id)
  AND NOT EXISTS (
    SELECT b.parent_column_id, b.referenced_column_id FROM sys.foreign_key_columns AS b
    WHERE b.constraint_object_id = f2.object_id
    EXCEPT
    SELECT a.parent_column_id, a.referenced_column_id FROM sys.foreign_key_columns AS a
    WHERE a.constraint_object_id = f1.object_id)
ORDER BY s.name, t.name, f2.name
