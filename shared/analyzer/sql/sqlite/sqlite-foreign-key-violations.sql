-- Finds rows that break a declared foreign key (PRAGMA foreign_key_check), one row per child table and parent.
-- Why: SQLite enforces foreign keys only on connections that enable them, so orphans accumulate silently - joins
-- then drop rows and a later enforcing connection fails on unrelated updates.
SELECT 'main' AS schema_name, v."table" AS table_name, v.parent AS referenced_table, count(*) AS violating_rows,
       min(v.rowid) AS first_rowid
FROM pragma_foreign_key_check v
GROUP BY v."table", v.parent
ORDER BY v."table", v.parent
