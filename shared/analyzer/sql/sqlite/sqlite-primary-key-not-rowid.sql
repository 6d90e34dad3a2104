-- Finds rowid tables whose single-column primary key is not declared exactly INTEGER (e.g. INT, BIGINT, TEXT), so it
-- is not an alias of the rowid and SQLite keeps a separate unique index for it.
-- Why: every row is then stored twice (table B-tree plus key index) and each lookup by key walks two B-trees -
-- "INT PRIMARY KEY" looks like "INTEGER PRIMARY KEY" but does not get the optimisation.
SELECT 'main' AS schema_name, m.name AS table_name, c.name AS column_name, c.type AS declared_type
FROM sqlite_master m
JOIN pragma_table_info(m.name) c ON c.pk = 1
WHERE m.type = 'table'
  AND m.name NOT LIKE 'sqlite!_%' ESCAPE '!'
  AND upper(m.sql) NOT LIKE 'CREATE VIRTUAL%'
  AND upper(m.sql) NOT LIKE '%WITHOUT%ROWID%'
  AND (SELECT count(*) FROM pragma_table_info(m.name) k WHERE k.pk > 0) = 1
  AND EXISTS (SELECT 1 FROM pragma_index_list(m.name) i WHERE i.origin = 'pk')
ORDER BY m.name
