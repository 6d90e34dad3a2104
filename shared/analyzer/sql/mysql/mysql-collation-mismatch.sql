-- Finds tables whose default collation differs from their database's default, and text columns whose collation
-- differs from their table's within the same character set (character-set differences are mysql-legacy-charset's).
-- Why: comparing or joining strings of different collations fails with "Illegal mix of collations" or converts one
-- side, which stops the index on it from being used; the mix usually comes from piecemeal migrations, not design.
SELECT t.TABLE_SCHEMA AS schema_name, t.TABLE_NAME AS table_name, NULL AS column_name,
       CONCAT('table ', t.TABLE_SCHEMA, '.', t.TABLE_NAME) AS subject,
       t.TABLE_COLLATION AS collation_name, s.DEFAULT_COLLATION_NAME AS expected_collation, 'database default' AS compared_with
FROM information_schema.TABLES t
JOIN information_schema.SCHEMATA s ON s.SCHEMA_NAME = t.TABLE_SCHEMA
WHERE t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
  AND t.TABLE_COLLATION <> s.DEFAULT_COLLATION_NAME
  AND t.TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
  AND t.TABLE_SCHEMA = COALESCE(DATABASE(), t.TABLE_SCHEMA)
UNION ALL
SELECT c.TABLE_SCHEMA, c.TABLE_NAME, c.COLUMN_NAME, CONCAT('column ', c.TABLE_SCHEMA, '.', c.TABLE_NAME, '.', c.COLUMN_NAME),
       c.COLLATION_NAME, t.TABLE_COLLATION, 'table default'
FROM information_schema.COLUMNS c
JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
JOIN information_schema.COLLATIONS tc ON tc.COLLATION_NAME = t.TABLE_COLLATION
WHERE t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
  AND c.COLLATION_NAME IS NOT NULL
  AND c.CHARACTER_SET_NAME = tc.CHARACTER_SET_NAME
  AND c.COLLATION_NAME <> t.TABLE_COLLATION
  AND c.TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
  AND c.TABLE_SCHEMA = COALESCE(DATABASE(), c.TABLE_SCHEMA)
ORDER BY 1, 2, 3
