-- Finds this database with PAGE_VERIFY other than CHECKSUM.
-- Why: with TORN_PAGE_DETECTION or NONE, most storage corruption goes undetected until it spreads into backups.
SELECT d.name AS object_name, 'PAGE_VERIFY' AS setting_name, d.page_verify_option_desc AS setting_value
FROM sys.databases AS d
WHERE d.database_id = DB_ID() AND d.page_verify_option <> 2
