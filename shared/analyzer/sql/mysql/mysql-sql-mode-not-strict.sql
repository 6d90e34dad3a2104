-- Finds a server whose global sql_mode (what new application sessions start with) has neither STRICT_TRANS_TABLES
-- nor STRICT_ALL_TABLES.
-- Why: without strict mode invalid or too-long values are silently truncated or replaced by zero dates with only a
-- warning, so bad data is stored instead of the statement failing.
SELECT 'sql_mode' AS setting_name, @@GLOBAL.sql_mode AS setting_value
FROM DUAL
WHERE CONCAT(',', @@GLOBAL.sql_mode, ',') NOT LIKE '%,STRICT_TRANS_TABLES,%'
  AND CONCAT(',', @@GLOBAL.sql_mode, ',') NOT LIKE '%,STRICT_ALL_TABLES,%'
