-- Finds tables declared with AUTOINCREMENT.
-- Why: AUTOINCREMENT only stops SQLite from reusing the rowids of deleted rows, at the price of an extra read and
-- write of sqlite_sequence on every INSERT - INTEGER PRIMARY KEY alone already hands out increasing ids.
SELECT 'main' AS schema_name, m.name AS table_name
FROM sqlite_master m
WHERE m.type = 'table'
  AND m.name NOT LIKE 'sqlite!_%' ESCAPE '!'
  AND upper(m.sql) LIKE '%AUTOINCREMENT%'
ORDER BY m.name
