-- Finds this database when its last DBCC CHECKDB that found no errors (DATABASEPROPERTYEX LastGoodCheckDbTime,
-- SQL Server 2016 SP2+) is older than 14 days or never happened.
-- Why: corruption is only found by reading every page; until then it spreads into every backup, and the older the
-- last clean check, the fewer good backups there are to restore from.
SELECT d.name AS object_name,
       CASE WHEN CAST(DATABASEPROPERTYEX(d.name, 'LastGoodCheckDbTime') AS datetime) <= '19000101' THEN 'never'
            ELSE CONVERT(varchar(19), CAST(DATABASEPROPERTYEX(d.name, 'LastGoodCheckDbTime') AS datetime), 120)
       END AS last_good_checkdb
FROM sys.databases AS d
WHERE d.database_id = DB_ID()
  AND CAST(DATABASEPROPERTYEX(d.name, 'LastGoodCheckDbTime') AS datetime) < DATEADD(day, -14, GETDATE())
