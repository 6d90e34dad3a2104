-- Finds foreign key columns whose type, signedness, character set or collation differ from the referenced column,
-- or whose string length is shorter (possible after imports with FOREIGN_KEY_CHECKS=0 or later ALTERs).
-- Why: each join and each constraint check then converts values, which can defeat the index on either side, and a
-- shorter child column cannot hold every parent key.
SELECT k.TABLE_SCHEMA AS schema_name, k.TABLE_NAME AS table_name, k.CONSTRAINT_NAME AS constraint_name,
       k.COLUMN_NAME AS column_name, CONCAT_WS(' ', c.COLUMN_TYPE, c.COLLATION_NAME) AS column_type,
       CONCAT(k.REFERENCED_TABLE_SCHEMA, '.', k.REFERENCED_TABLE_NAME, '.', k.REFERENCED_COLUMN_NAME) AS referenced_column,
       CONCAT_WS(' ', p.COLUMN_TYPE, p.COLLATION_NAME) AS referenced_type, p.COLUMN_TYPE AS referenced_column_type
FROM information_schema.KEY_COLUMN_USAGE k
JOIN information_schema.COLUMNS c
  ON c.TABLE_SCHEMA = k.TABLE_SCHEMA AND c.TABLE_NAME = k.TABLE_NAME AND c.COLUMN_NAME = k.COLUMN_NAME
JOIN information_schema.COLUMNS p
  ON p.TABLE_SCHEMA = k.REFERENCED_TABLE_SCHEMA AND p.TABLE_NAME = k.REFERENCED_TABLE_NAME
 AND p.COLUMN_NAME = k.REFERENCED_COLUMN_NAME
WHERE k.REFERENCED_TABLE_NAME IS NOT NULL
  AND k.TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
  AND k.TABLE_SCHEMA = COALESCE(DATABASE(), k.TABLE_SCHEMA)
  AND (c.DATA_TYPE <> p.DATA_TYPE
       OR (c.CHARACTER_MAXIMUM_LENGTH IS NULL AND c.COLUMN_TYPE <> p.COLUMN_TYPE)
       OR COALESCE(c.CHARACTER_SET_NAME, '') <> COALESCE(p.CHARACTER_SET_NAME, '')
       OR COALESCE(c.COLLATION_NAME, '') <> COALESCE(p.COLLATION_NAME, '')
       OR c.CHARACTER_MAXIMUM_LENGTH < p.CHARACTER_MAXIMUM_LENGTH)
ORDER BY 1, 2, 3, k.ORDINAL_POSITION
