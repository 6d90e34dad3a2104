-- Finds enabled check constraints marked not trusted (re-enabled or created WITH NOCHECK).
-- Why: the optimizer cannot use an untrusted constraint to skip partitions or prune predicates, and rows
-- violating it may exist.
SELECT s.name AS schema_name, t.name AS table_name, cc.name AS constraint_name
FROM sys.check_constraints AS cc
JOIN sys.tables AS t ON t.object_id = cc.parent_object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE cc.is_not_trusted = 1 AND cc.is_disabled = 0 AND cc.is_not_for_replication = 0 AND t.is_ms_shipped = 0
ORDER BY s.name, t.name, cc.name
