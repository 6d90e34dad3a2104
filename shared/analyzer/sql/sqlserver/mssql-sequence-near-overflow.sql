-- Finds non-cycling sequences whose current value has used more than 80 % of their range.
-- Why: NEXT VALUE FOR fails (error 11728) once the maximum is reached, and every insert using it fails with it.
SELECT schema_name, object_name, current_value, maximum_value,
       CAST(100.0 * used / span AS decimal(5, 1)) AS percent_used,
       CASE WHEN 100.0 * used / span >= 95 THEN 'critical' ELSE 'high' END AS severity
FROM (
  SELECT SCHEMA_NAME(sq.schema_id) AS schema_name, sq.name AS object_name,
         CAST(sq.current_value AS decimal(38, 0)) AS current_value,
         CAST(sq.maximum_value AS decimal(38, 0)) AS maximum_value,
         CAST(sq.current_value AS decimal(38, 0)) - CAST(sq.minimum_value AS decimal(38, 0)) AS used,
         CAST(sq.maximum_value AS decimal(38, 0)) - CAST(sq.minimum_value AS decimal(38, 0)) AS span
  FROM sys.sequences AS sq
  WHERE sq.is_cycling = 0 AND sq.is_ms_shipped = 0 AND CAST(sq.increment AS decimal(38, 0)) > 0
) AS x
WHERE span > 0 AND 100.0 * used / span >= 80
ORDER BY 100.0 * used / span DESC
