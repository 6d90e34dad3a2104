-- Finds enabled SQL logins with CHECK_POLICY or CHECK_EXPIRATION off.
-- Why: without the Windows password policy a login accepts trivial passwords and is never locked out after
-- failed attempts.
SELECT l.name AS user_name,
       CASE WHEN l.is_policy_checked = 0 THEN 'CHECK_POLICY' ELSE 'CHECK_EXPIRATION' END AS setting_name,
       'OFF' AS setting_value,
       CASE WHEN l.is_policy_checked = 0 THEN 'medium' ELSE 'low' END AS severity
FROM sys.sql_logins AS l
WHERE l.is_disabled = 0 AND (l.is_policy_checked = 0 OR l.is_expiration_checked = 0)
  AND l.name NOT LIKE N'##%'
ORDER BY l.name
