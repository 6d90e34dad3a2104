-- Finds user tables with enabled DML triggers, one row per table.
-- Why: triggers add invisible work and locking to every write on the table and are a common cause of surprises
-- in bulk changes, replication and tuning.
SELECT s.name AS schema_name, t.name AS table_name, COUNT(*) AS trigger_count,
       STRING_AGG(tr.name, ', ') AS trigger_names
FROM sys.triggers AS tr
JOIN sys.tables AS t ON t.object_id = tr.parent_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE tr.is_disabled = 0 AND tr.parent_class = 1 AND t.is_ms_shipped = 0
GROUP BY s.name, t.name
