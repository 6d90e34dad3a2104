-- Finds tables (with their TOAST tables) whose oldest unfrozen transaction id is older than twice
-- autovacuum_freeze_max_age.
-- Why: autovacuum must start an anti-wraparound vacuum at autovacuum_freeze_max_age; a table far past it is not
-- being frozen (vacuum cancelled, blocked, or too slow) and will eventually force the whole server read-only.
SELECT n.nspname AS schema_name, c.relname AS table_name,
       GREATEST(age(c.relfrozenxid), COALESCE(age(t.relfrozenxid), 0)) AS xid_age,
       current_setting('autovacuum_freeze_max_age')::bigint AS autovacuum_freeze_max_age,
       CASE WHEN GREATEST(age(c.relfrozenxid), COALESCE(age(t.relfrozenxid), 0)) > 1500000000
            THEN 'critical' ELSE 'high' END AS severity
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
WHERE c.relkind IN ('r', 'm')
  AND GREATEST(age(c.relfrozenxid), COALESCE(age(t.relfrozenxid), 0))
      > 2 * current_setting('autovacuum_freeze_max_age')::bigint
ORDER BY 3 DESC
