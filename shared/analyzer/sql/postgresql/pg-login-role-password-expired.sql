-- Finds login roles whose password validity (VALID UNTIL) has passed.
-- Why: the account can no longer log in with its password, so it is either abandoned (and should be removed with
-- its privileges) or an application is about to fail on its next reconnect.
SELECT r.rolname AS user_name, r.rolvaliduntil AS valid_until
FROM pg_roles r
WHERE r.rolcanlogin
  AND r.rolvaliduntil IS NOT NULL
  AND r.rolvaliduntil < now()
  AND r.rolname !~ '^pg_'
ORDER BY 1
