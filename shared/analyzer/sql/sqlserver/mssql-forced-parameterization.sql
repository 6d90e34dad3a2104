-- Finds this database with PARAMETERIZATION FORCED.
-- Why: forced parameterization can cure plan-cache bloat from ad hoc SQL, but it also causes parameter-sniffing
-- regressions and hides literals from filtered indexes; it should be a deliberate choice.
SELECT d.name AS object_name, 'PARAMETERIZATION' AS setting_name, 'FORCED' AS setting_value
FROM sys.databases AS d
WHERE d.database_id = DB_ID() AND d.is_parameterization_forced = 1
