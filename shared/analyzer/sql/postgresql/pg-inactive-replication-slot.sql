-- Finds replication slots that no client is using, with the WAL they force the server to keep.
-- Why: an inactive slot retains WAL (and, for logical slots, holds back the xmin horizon so vacuum cannot clean
-- up) until the disk fills and the server stops; a forgotten slot is a classic outage cause.
SELECT s.slot_name AS object_name, 'replication slot' AS object_type, s.slot_type,
       COALESCE(s.database, '(all)') AS slot_database,
       CASE WHEN pg_is_in_recovery() OR s.restart_lsn IS NULL THEN NULL
            ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint END AS retained_wal_bytes,
       CASE WHEN NOT pg_is_in_recovery() AND s.restart_lsn IS NOT NULL
                 AND pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn) > 1073741824
            THEN 'critical' ELSE 'high' END AS severity
FROM pg_replication_slots s
WHERE NOT s.active
ORDER BY 1
