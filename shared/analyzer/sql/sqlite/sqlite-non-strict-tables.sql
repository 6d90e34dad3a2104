-- Finds the ordinary tables not declared STRICT (SQLite 3.37+), as one finding listing them.
-- Why: in a non-STRICT table any column accepts any type (a typo'd 'abc' lands in an INTEGER column), so bad data
-- is stored instead of rejected - STRICT tables enforce the declared types.
SELECT 'main' AS schema_name, count(*) AS table_count,
       substr(group_concat(t.name, ', '), 1, 300) AS tables
FROM (SELECT l.name FROM pragma_table_list l
      WHERE l.schema = 'main' AND l.type = 'table' AND l.strict = 0 AND l.name NOT LIKE 'sqlite!_%' ESCAPE '!'
      ORDER BY l.name) t
HAVING count(*) > 0
