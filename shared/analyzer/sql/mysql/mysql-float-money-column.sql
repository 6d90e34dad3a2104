-- Finds FLOAT/DOUBLE columns whose names say they hold money (price, amount, cost, total, balance, fee, tax, ...).
-- Why: binary floating point cannot represent most decimal fractions (0.1 + 0.2 <> 0.3), so sums and comparisons of
-- amounts drift by cents; DECIMAL stores them exactly.
SELECT c.TABLE_SCHEMA AS schema_name, c.TABLE_NAME AS table_name, c.COLUMN_NAME AS column_name,
       c.COLUMN_TYPE AS column_type
FROM information_schema.COLUMNS c
JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
WHERE t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
  AND c.DATA_TYPE IN ('float', 'double', 'real')
  AND LOWER(c.COLUMN_NAME) REGEXP '(price|amount|cost|total|balance|salary|wage|fee|tax|money|payment|revenue|discount|refund|invoice|charge)'
  AND c.TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
  AND c.TABLE_SCHEMA = COALESCE(DATABASE(), c.TABLE_SCHEMA)
ORDER BY 1, 2, c.ORDINAL_POSITION
