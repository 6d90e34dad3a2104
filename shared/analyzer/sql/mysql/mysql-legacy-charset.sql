-- Finds tables with text columns in a legacy character set (latin1, utf8mb3/utf8, ucs2 and other single-byte or
-- partial-Unicode sets); one row per table listing the columns.
-- Why: utf8mb3 cannot store 4-byte characters (emoji, many CJK ideographs) and latin1 silently mangles anything outside
-- Western Europe; mixing them with utf8mb4 forces conversions in joins that can defeat indexes.
SELECT c.TABLE_SCHEMA AS schema_name, c.TABLE_NAME AS table_name,
       GROUP_CONCAT(DISTINCT c.CHARACTER_SET_NAME ORDER BY c.CHARACTER_SET_NAME SEPARATOR ', ') AS character_sets,
       COUNT(*) AS column_count,
       GROUP_CONCAT(c.COLUMN_NAME ORDER BY c.ORDINAL_POSITION SEPARATOR ', ') AS columns
FROM information_schema.COLUMNS c
JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
WHERE t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
  AND c.CHARACTER_SET_NAME IS NOT NULL
  AND c.CHARACTER_SET_NAME NOT IN ('utf8mb4', 'ascii', 'binary', 'utf16', 'utf16le', 'utf32')
  AND c.TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
  AND c.TABLE_SCHEMA = COALESCE(DATABASE(), c.TABLE_SCHEMA)
GROUP BY c.TABLE_SCHEMA, c.TABLE_NAME
ORDER BY 1, 2
