-- Finds the built-in sa login (SID 0x01) enabled, under whatever name it has been renamed to.
-- Why: sa is the first account every password-guessing attack tries, and it cannot be locked out by policy.
SELECT sp.name AS user_name, CASE WHEN sp.name = N'sa' THEN 'no' ELSE 'yes' END AS renamed
FROM sys.server_principals AS sp
WHERE sp.sid = 0x01 AND sp.is_disabled = 0
