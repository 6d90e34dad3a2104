-- Finds this database with ANSI_NULL_DEFAULT ON.
-- Why: the same CREATE TABLE script produces different nullability here than in other databases, so constraints
-- silently differ between environments.
SELECT d.name AS object_name, 'ANSI_NULL_DEFAULT' AS setting_name, 'ON' AS setting_value
FROM sys.databases AS d
WHERE d.database_id = DB_ID() AND d.is_ansi_null_default_on = 1
