-- Finds this database with DELAYED_DURABILITY ALLOWED or FORCED.
-- Why: with delayed durability, commit returns before the log is hardened, so a crash or failover loses transactions
-- the application was told are committed.
SELECT d.name AS object_name, 'DELAYED_DURABILITY' AS setting_name, 'ALLOWED or FORCED' AS setting_value
FROM sys.databases AS d
WHERE d.database_id = DB_ID() AND d.delayed_durability <> 0
