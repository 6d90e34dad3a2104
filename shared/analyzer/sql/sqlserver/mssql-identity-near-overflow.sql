-- Finds identity columns whose last value has used more than 80 % of the column type's range.
-- Why: when the range is exhausted every insert fails (error 8115) and widening the column rewrites the table.
SELECT schema_name, table_name, column_name, type_name, last_value, max_value,
       CAST(100.0 * last_value / max_value AS decimal(5, 1)) AS percent_used,
       CASE WHEN 100.0 * last_value / max_value >= 95 THEN 'critical' ELSE 'high' END AS severity
FROM (
  SELECT OBJECT_SCHEMA_NAME(ic.object_id) AS schema_name, OBJECT_NAME(ic.object_id) AS table_name,
         ic.name AS column_name, TYPE_NAME(ic.system_type_id) AS type_name,
         CAST(ic.last_value AS decimal(38, 0)) AS last_value,
         CASE TYPE_NAME(ic.system_type_id)
           WHEN 'tinyint' THEN CAST(255 AS decimal(38, 0))
           WHEN 'smallint' THEN CAST(32767 AS decimal(38, 0))
           WHEN 'int' THEN CAST(2147483647 AS decimal(38, 0))
           WHEN 'bigint' THEN CAST(9223372036854775807 AS decimal(38, 0))
           ELSE POWER(CAST(10 AS decimal(38, 0)), ic.precision) - 1 END AS max_value
  FROM sys.identity_columns AS ic
  JOIN sys.tables AS t ON t.object_id = ic.object_id
  WHERE t.is_ms_shipped = 0 AND ic.last_value IS NOT NULL
) AS x
WHERE 100.0 * last_value / max_value >= 80
ORDER BY 100.0 * last_value / max_value DESC
