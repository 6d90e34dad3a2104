-- Finds login roles with no password at all (reads pg_authid, so the analysis login needs superuser rights or
-- the check is skipped as permission denied).
-- Why: such a role can only log in through pg_hba.conf rules that do not ask for a password (trust, peer, ident,
-- cert); if a trust rule matches it from the network, anyone can connect as it.
SELECT a.rolname AS user_name, a.rolsuper AS is_superuser
FROM pg_authid a
WHERE a.rolcanlogin
  AND a.rolpassword IS NULL
  AND a.rolname !~ '^pg_'
ORDER BY 1
