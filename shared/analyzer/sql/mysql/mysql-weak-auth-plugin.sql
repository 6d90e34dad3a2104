-- Finds accounts on weak authentication plugins: mysql_old_password (pre-4.1 hashes) on any server, and
-- mysql_native_password on MySQL 8 and later (deprecated in 8.0.34, removed in 9.0), where caching_sha2_password is
-- the default. On MariaDB mysql_native_password is still the default and is not reported.
-- Why: the old hash is trivially cracked; the native one is unsalted SHA-1, replayable from a stolen hash, and
-- accounts on it will stop working when the server is upgraded.
SELECT u.User AS user_name, u.Host AS host, u.plugin AS auth_plugin
FROM mysql.user u
WHERE u.Host <> '' AND u.User NOT IN ('mariadb.sys', 'mysql.sys', 'mysql.session', 'mysql.infoschema')
  AND (u.plugin = 'mysql_old_password'
       OR (u.plugin = 'mysql_native_password' AND VERSION() NOT LIKE '%MariaDB%'))
ORDER BY 1, 2
