-- Finds a server with local_infile enabled (LOAD DATA LOCAL INFILE allowed).
-- Why: LOAD DATA LOCAL lets the server ask the client for a file; a malicious or compromised server, or SQL injection
-- in an application, can use it to read files from the client host.
SELECT 'local_infile' AS setting_name, CAST(@@GLOBAL.local_infile AS CHAR) AS setting_value
FROM DUAL
WHERE @@GLOBAL.local_infile = 1
