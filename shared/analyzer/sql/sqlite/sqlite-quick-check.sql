-- Finds corruption reported by PRAGMA quick_check (page structure, NOT NULL and CHECK constraints - not index-to-table
-- consistency, which only integrity_check verifies).
-- Why: a damaged database returns wrong results or fails on read - the sooner it is found the more recent the backup
-- that still has good data.
SELECT 'main' AS schema_name, 'quick_check' AS object_name, q.quick_check AS problem
FROM pragma_quick_check q
WHERE q.quick_check <> 'ok'
