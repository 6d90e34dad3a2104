-- Finds user tables with columns that have no description (COMMENT ON COLUMN, blank counts as none), one row per
-- table listing those columns, so a schema of thousands of columns gives one finding per table, not per column.
-- Why: a column's comment is the data dictionary: psql \d+, IDEs and documentation generators show it, and
-- without it the meaning and unit of a column live only in someone's memory.
SELECT n.nspname AS schema_name, c.relname AS table_name,
       count(*) FILTER (WHERE COALESCE(btrim(d.description), '') = '') AS missing_count,
       count(*) AS column_count,
       string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
           FILTER (WHERE COALESCE(btrim(d.description), '') = '') AS column_names
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum
WHERE a.attnum > 0
  AND NOT a.attisdropped
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                    AND d.deptype = 'e')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
GROUP BY n.nspname, c.relname
HAVING count(*) FILTER (WHERE COALESCE(btrim(d.description), '') = '') > 0
ORDER BY 1, 2
