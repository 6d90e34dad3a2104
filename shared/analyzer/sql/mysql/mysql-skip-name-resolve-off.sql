-- Finds a server that resolves client host names on connect (skip_name_resolve = OFF).
-- Why: every new connection waits on a reverse DNS lookup (slow or failing logins when DNS is slow), and accounts
-- granted by host name trust whatever DNS answers.
SELECT 'skip_name_resolve' AS setting_name, CAST(@@GLOBAL.skip_name_resolve AS CHAR) AS setting_value
FROM DUAL
WHERE @@GLOBAL.skip_name_resolve = 0
