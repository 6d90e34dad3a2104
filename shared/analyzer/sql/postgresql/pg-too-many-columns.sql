-- Finds tables with more than 100 columns.
-- Why: very wide tables usually mix several entities or repeat groups (col1..colN); every row version copies all
-- columns on update, rows spill to TOAST, and the hard limit of 1,600 columns (dropped ones included) looms.
SELECT n.nspname AS schema_name, c.relname AS table_name,
       count(*) FILTER (WHERE NOT a.attisdropped) AS column_count,
       count(*) FILTER (WHERE a.attisdropped) AS dropped_column_count
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
WHERE c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
GROUP BY n.nspname, c.relname
HAVING count(*) FILTER (WHERE NOT a.attisdropped) > /*:max_columns*/ 100
ORDER BY 3 DESC, 1, 2
