-- Finds root accounts defined for a host other than the local machine (localhost, 127.0.0.1, ::1).
-- Why: root is the name every attacker tries first; allowing it from the network exposes the all-powerful account to
-- password guessing from every host the pattern matches.
SELECT u.User AS user_name, u.Host AS host
FROM mysql.user u
WHERE u.User = 'root' AND u.Host NOT IN ('localhost', '127.0.0.1', '::1', '')
ORDER BY 2
