-- Finds this database's scoped configuration LEGACY_CARDINALITY_ESTIMATION set to 1.
-- Why: a database-wide switch to the old estimator is usually a workaround for a few regressed queries that now costs
-- every other query the newer estimator's improvements.
SELECT DB_NAME() AS object_name, c.name AS setting_name, CAST(c.value AS nvarchar(100)) AS setting_value
FROM sys.database_scoped_configurations AS c
WHERE c.name = N'LEGACY_CARDINALITY_ESTIMATION' AND CAST(c.value AS int) = 1
