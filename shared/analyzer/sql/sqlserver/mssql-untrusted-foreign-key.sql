-- Finds enabled foreign keys marked not trusted (re-enabled or created WITH NOCHECK).
-- Why: the optimizer cannot rely on an untrusted constraint for join elimination, and rows violating it may exist.
SELECT s.name AS schema_name, t.name AS table_name, fk.name AS constraint_name
FROM sys.foreign_keys AS fk
JOIN sys.tables AS t ON t.object_id = fk.parent_object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE fk.is_not_trusted = 1 AND fk.is_disabled = 0 AND fk.is_not_for_replication = 0 AND t.is_ms_shipped = 0
ORDER BY s.name, t.name, fk.name
