-- Finds the sample database `test` and databases named test_* still present on the server.
-- Why: default installations granted every account (including anonymous ones) full rights on `test` and `test\_%`
-- databases; anything stored there is open to all users, and it can be used to exhaust disk space.
SELECT s.SCHEMA_NAME AS object_name, 'database' AS object_type
FROM information_schema.SCHEMATA s
WHERE s.SCHEMA_NAME = 'test' OR s.SCHEMA_NAME LIKE 'test!_%' ESCAPE '!'
ORDER BY 1
