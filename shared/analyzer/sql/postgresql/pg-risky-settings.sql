-- Finds server settings, as seen by this database's sessions, that trade durability, maintenance or security for
-- speed or convenience (fsync, full_page_writes, synchronous_commit, autovacuum, track_counts, ...). Only reads
-- pg_settings; nothing is changed.
-- Why: each of these can silently lose committed data, corrupt the cluster after a crash, stop vacuum and
-- statistics, or weaken authentication, and they are easy to leave behind after a benchmark or data load.
SELECT s.name AS setting_name, s.setting AS setting_value, s.source AS setting_source, r.severity, r.reason, r.advice
FROM pg_settings s
JOIN (VALUES
    ('fsync', 'off', 'critical', 'writes are not forced to disk, so an OS crash or power loss can corrupt the whole cluster',
     'set fsync = on; use synchronous_commit = off instead if commit latency is the concern'),
    ('full_page_writes', 'off', 'critical', 'a crash during a partial page write leaves torn pages that WAL replay cannot repair',
     'set full_page_writes = on'),
    ('zero_damaged_pages', 'on', 'critical', 'damaged pages are silently zeroed, destroying their rows instead of reporting corruption',
     'set zero_damaged_pages = off and restore damaged data from backup'),
    ('ignore_checksum_failure', 'on', 'high', 'checksum failures are ignored, so corrupted data is read and propagated',
     'set ignore_checksum_failure = off'),
    ('synchronous_commit', 'off', 'medium', 'a crash loses the last commits acknowledged to clients (up to 3 x wal_writer_delay)',
     'keep synchronous_commit = on unless losing acknowledged transactions is acceptable; set it per transaction where it is'),
    ('autovacuum', 'off', 'high', 'dead rows accumulate, statistics go stale, and only emergency anti-wraparound vacuums still run',
     'set autovacuum = on and tune it per table if it was disturbing the workload'),
    ('track_counts', 'off', 'high', 'autovacuum and autoanalyze depend on these counters and cannot decide what to process',
     'set track_counts = on'),
    ('password_encryption', 'md5', 'medium', 'new passwords are stored as MD5 hashes, which are weak and deprecated in favour of SCRAM',
     'set password_encryption = scram-sha-256 and reset the passwords of existing roles'),
    ('ssl', 'off', 'medium', 'connections, including passwords and data, travel unencrypted',
     'enable ssl with a certificate and require it in pg_hba.conf (hostssl)')
) AS r(name, bad_value, severity, reason, advice) ON r.name = s.name AND s.setting = r.bad_value
ORDER BY 1
