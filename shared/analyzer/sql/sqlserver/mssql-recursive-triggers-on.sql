-- Finds this database with RECURSIVE_TRIGGERS ON.
-- Why: a trigger that updates its own table re-fires itself, multiplying work or failing at nesting level 32.
SELECT d.name AS object_name, 'RECURSIVE_TRIGGERS' AS setting_name, 'ON' AS setting_value
FROM sys.databases AS d
WHERE d.database_id = DB_ID() AND d.is_recursive_triggers_on = 1
