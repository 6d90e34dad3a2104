-- Finds this database's Query Store (when it is on) with QUERY_CAPTURE_MODE ALL.
-- Why: capture mode ALL stores every ad hoc and trivial statement, filling the store and adding overhead; AUTO keeps the
-- ones that matter.
SELECT DB_NAME() AS object_name, 'QUERY_CAPTURE_MODE' AS setting_name, 'ALL' AS setting_value
FROM sys.database_query_store_options AS q
WHERE q.actual_state <> 0 AND q.query_capture_mode = 1
