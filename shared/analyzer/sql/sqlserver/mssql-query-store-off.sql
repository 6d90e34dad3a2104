-- Finds Query Store off, in error, or read-only because its storage is full.
-- Why: without Query Store there is no history of plans and runtime statistics to find regressions, and no plan
-- forcing to fix them.
SELECT DB_NAME() AS object_name, 'QUERY_STORE' AS setting_name, q.actual_state_desc AS setting_value,
       q.readonly_reason, q.current_storage_size_mb, q.max_storage_size_mb
FROM sys.database_query_store_options AS q
WHERE q.actual_state IN (0, 1, 3) AND DB_ID() > 4
