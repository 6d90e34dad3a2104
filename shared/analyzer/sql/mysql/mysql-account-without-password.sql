-- Finds named accounts that log in with a password plugin but have an empty password (socket-authenticated accounts
-- such as MariaDB's unix_socket root and the locked mariadb.sys account are not password logins and are left out).
-- Why: anyone who can reach the server and knows the user name is in, with all of that account's privileges.
SELECT u.User AS user_name, u.Host AS host, u.plugin AS auth_plugin
FROM mysql.user u
WHERE u.User <> '' AND u.Host <> ''
  AND u.User NOT IN ('mariadb.sys')
  AND COALESCE(u.authentication_string, '') = ''
  AND COALESCE(u.plugin, '') IN ('', 'mysql_native_password', 'caching_sha2_password', 'sha256_password',
                                 'mysql_old_password', 'ed25519', 'parsec')
ORDER BY 1, 2
