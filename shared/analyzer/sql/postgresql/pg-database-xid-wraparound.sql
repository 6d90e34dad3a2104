-- Finds databases whose oldest unfrozen transaction id is more than half way to wraparound (2^31 transactions).
-- Why: at about 2^31 the server stops assigning transaction ids and refuses writes until the database is vacuumed
-- in single-user mode; an age this high means anti-wraparound vacuum is failing (often a long transaction, an
-- orphaned prepared transaction or an inactive replication slot holds back the horizon).
SELECT d.datname AS object_name, age(d.datfrozenxid) AS xid_age,
       round(100.0 * age(d.datfrozenxid) / 2147483647, 1) AS percent_towards_wraparound,
       CASE WHEN age(d.datfrozenxid) > 1600000000 THEN 'critical' ELSE 'high' END AS severity
FROM pg_database d
WHERE d.datallowconn
  AND age(d.datfrozenxid) > 1073741823
ORDER BY age(d.datfrozenxid) DESC
