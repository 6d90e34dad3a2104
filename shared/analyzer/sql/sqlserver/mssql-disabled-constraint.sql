-- Finds disabled foreign key and check constraints.
-- Why: a disabled constraint enforces nothing: invalid rows are accepted silently while the schema suggests they
-- cannot exist.
SELECT s.name AS schema_name, t.name AS table_name, fk.name AS constraint_name, 'FOREIGN KEY' AS object_type
FROM sys.foreign_keys AS fk
JOIN sys.tables AS t ON t.object_id = fk.parent_object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE fk.is_disabled = 1 AND t.is_ms_shipped = 0
UNION ALL
SELECT s.name AS schema_name, t.name AS table_name, cc.name AS constraint_name, 'CHECK' AS object_type
FROM sys.check_constraints AS cc
JOIN sys.tables AS t ON t.object_id = cc.parent_object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE cc.is_disabled = 1 AND t.is_ms_shipped = 0
