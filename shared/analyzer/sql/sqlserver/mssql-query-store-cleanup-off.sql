-- Finds this database's Query Store (when it is on) with SIZE_BASED_CLEANUP_MODE OFF.
-- Why: without size-based cleanup a full Query Store flips to READ_ONLY and stops capturing, exactly when the history
-- is needed.
SELECT DB_NAME() AS object_name, 'SIZE_BASED_CLEANUP_MODE' AS setting_name, 'OFF' AS setting_value
FROM sys.database_query_store_options AS q
WHERE q.actual_state <> 0 AND q.size_based_cleanup_mode = 0
