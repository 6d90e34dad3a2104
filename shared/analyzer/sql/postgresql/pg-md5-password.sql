-- Finds roles whose password is stored as an MD5 hash instead of SCRAM-SHA-256 (reads pg_authid, so the
-- analysis login needs superuser rights or the check is skipped as permission denied).
-- Why: MD5 password hashes are weak, replayable from a stolen hash, and deprecated since PostgreSQL 14 (a future
-- release removes them); SCRAM also protects the password on the wire.
SELECT a.rolname AS user_name, a.rolcanlogin AS can_login
FROM pg_authid a
WHERE a.rolpassword LIKE 'md5%'
ORDER BY 1
