-- Finds ordinary tables that declare no PRIMARY KEY (virtual tables and SQLite's own tables are left out).
-- Why: such rows are addressed only by the implicit rowid, which VACUUM may renumber, so nothing stable identifies a
-- row and duplicates creep in unnoticed.
SELECT 'main' AS schema_name, m.name AS table_name
FROM sqlite_master m
WHERE m.type = 'table'
  AND m.name NOT LIKE 'sqlite!_%' ESCAPE '!'
  AND upper(m.sql) NOT LIKE 'CREATE VIRTUAL%'
  AND NOT EXISTS (SELECT 1 FROM pragma_table_info(m.name) c WHERE c.pk > 0)
ORDER BY m.name
