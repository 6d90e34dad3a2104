-- Finds two-phase (PREPARE TRANSACTION) transactions prepared more than 5 minutes ago and still neither committed
-- nor rolled back.
-- Why: a prepared transaction survives restarts and holds its locks and the xmin horizon forever, blocking vacuum
-- server-wide and eventually forcing a wraparound shutdown, until someone resolves it by its gid.
SELECT p.gid AS object_name, 'prepared transaction' AS object_type, p.database AS database_name,
       p.owner AS user_name, p.prepared, date_trunc('second', now() - p.prepared)::text AS age
FROM pg_prepared_xacts p
WHERE p.prepared < now() - interval '5 minutes'
ORDER BY p.prepared
