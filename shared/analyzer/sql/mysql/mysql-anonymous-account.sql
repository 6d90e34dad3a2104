-- Finds anonymous accounts (empty user name).
-- Why: an anonymous account matches any user name from its host, and because more specific hosts sort first it can
-- shadow a real account, so a user logs in with the anonymous account's privileges instead of their own.
SELECT u.User AS user_name, u.Host AS host, u.plugin AS auth_plugin
FROM mysql.user u
WHERE u.User = '' AND u.Host <> ''
ORDER BY 2
