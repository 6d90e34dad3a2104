-- Finds this database with DB_CHAINING ON.
-- Why: a chain crossing databases skips permission checks when owners match, letting this database's owner reach
-- objects in other databases.
SELECT d.name AS object_name, 'DB_CHAINING' AS setting_name, 'ON' AS setting_value
FROM sys.databases AS d
WHERE d.database_id = DB_ID() AND d.is_db_chaining_on = 1
