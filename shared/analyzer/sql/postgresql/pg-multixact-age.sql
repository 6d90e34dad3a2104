-- Finds databases whose oldest multixact id is older than twice autovacuum_multixact_freeze_max_age.
-- Why: multixact ids (used by row locks shared between transactions, e.g. SELECT ... FOR SHARE and foreign key
-- checks) wrap around like transaction ids; when they run out the server refuses writes until vacuumed.
SELECT d.datname AS object_name, mxid_age(d.datminmxid) AS multixact_age,
       current_setting('autovacuum_multixact_freeze_max_age')::bigint AS autovacuum_multixact_freeze_max_age,
       CASE WHEN mxid_age(d.datminmxid) > 1600000000 THEN 'critical' ELSE 'high' END AS severity
FROM pg_database d
WHERE d.datallowconn
  AND mxid_age(d.datminmxid) > 2 * current_setting('autovacuum_multixact_freeze_max_age')::bigint
ORDER BY 2 DESC
