-- Finds column names used in two or more user tables of the same schema with different data types (typmods such as
-- varchar lengths are ignored; primary keys such as id are included on purpose: one schema, one key type).
-- Why: a column name that means one thing should have one type; mixed int/bigint or varchar/text columns make joins
-- need casts (which can block index use) and the narrower copy overflows or truncates first.
WITH cols AS (
    SELECT n.nspname AS schema_name, c.relname AS table_name, a.attname AS column_name,
           format_type(a.atttypid, NULL) AS column_type
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE a.attnum > 0
      AND NOT a.attisdropped
      AND c.relkind IN ('r', 'p')
      AND NOT c.relispartition
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                        AND d.deptype = 'e')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname !~ '^pg_(toast|temp_)'
)
SELECT schema_name, column_name, count(DISTINCT column_type) AS type_count,
       string_agg(table_name || ' (' || column_type || ')', ', ' ORDER BY table_name) AS tables_and_types
FROM cols
GROUP BY schema_name, column_name
HAVING count(DISTINCT column_type) > 1
ORDER BY 1, 2
