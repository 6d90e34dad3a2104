-- Finds installed extensions whose version is older than the default version the server's packages provide.
-- Why: the server binaries were upgraded but ALTER EXTENSION ... UPDATE was not run, so the database still uses old
-- SQL definitions, missing fixes (including security fixes) that the new version ships.
SELECT e.extname AS object_name, 'extension' AS object_type, e.extversion AS installed_version,
       a.default_version
FROM pg_extension e
JOIN pg_available_extensions a ON a.name = e.extname
WHERE a.default_version IS NOT NULL
  AND a.default_version <> e.extversion
ORDER BY 1
