-- Finds enabled server-scoped triggers (logon and server-level DDL triggers).
-- Why: a logon trigger runs in every connection's path and, if it fails, denies every logon; server triggers are
-- also a persistence mechanism, so each should be known.
SELECT t.name AS object_name, t.type_desc AS object_type
FROM sys.server_triggers AS t
WHERE t.is_disabled = 0 AND t.is_ms_shipped = 0
