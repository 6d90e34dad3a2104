-- Finds disabled DML triggers on user tables and views.
-- Why: the logic the trigger enforces (auditing, denormalised totals, integrity rules) silently stops running.
SELECT OBJECT_SCHEMA_NAME(tr.parent_id) AS schema_name, OBJECT_NAME(tr.parent_id) AS table_name,
       tr.name AS object_name, 'TRIGGER' AS object_type
FROM sys.triggers AS tr
WHERE tr.is_disabled = 1 AND tr.parent_class = 1 AND tr.is_ms_shipped = 0
ORDER BY OBJECT_SCHEMA_NAME(tr.parent_id), OBJECT_NAME(tr.parent_id), tr.name
