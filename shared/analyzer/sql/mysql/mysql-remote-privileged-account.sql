-- Finds accounts whose host pattern contains a wildcard (reachable from many hosts) and that hold SUPER, GRANT OPTION,
-- CREATE USER or FILE globally.
-- Why: such an account is an administrator reachable from anywhere the pattern matches; a leaked password then gives
-- control of the whole server (and FILE reads and writes files on it).
SELECT u.User AS user_name, u.Host AS host,
       CONCAT_WS(', ', CASE WHEN u.Super_priv = 'Y' THEN 'SUPER' END, CASE WHEN u.Grant_priv = 'Y' THEN 'GRANT OPTION' END,
                 CASE WHEN u.Create_user_priv = 'Y' THEN 'CREATE USER' END, CASE WHEN u.File_priv = 'Y' THEN 'FILE' END)
           AS privileges
FROM mysql.user u
WHERE u.Host LIKE '%!%%' ESCAPE '!'
  AND (u.Super_priv = 'Y' OR u.Grant_priv = 'Y' OR u.Create_user_priv = 'Y' OR u.File_priv = 'Y')
ORDER BY 1, 2
