-- Finds a server where innodb_print_all_deadlocks is OFF.
-- Why: SHOW ENGINE INNODB STATUS keeps only the most recent deadlock; with the setting on, every deadlock is written to
-- the error log with both transactions, which is what diagnosing recurring deadlocks needs.
SELECT 'innodb_print_all_deadlocks' AS setting_name, CAST(@@GLOBAL.innodb_print_all_deadlocks AS CHAR) AS setting_value
FROM DUAL
WHERE @@GLOBAL.innodb_print_all_deadlocks = 0
