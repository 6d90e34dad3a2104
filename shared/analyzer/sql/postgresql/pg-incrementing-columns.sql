-- Finds user tables with two or more columns whose names are the same non-numeric stem followed by a number
-- (phone1, phone2; address_1, address_2), one row per table and stem.
-- Why: a numbered series is a repeating group: the maximum count is fixed by the schema, queries must OR over every
-- column, and the values cannot be indexed or constrained together; a child table with one row per value can.
WITH numbered AS (
    SELECT c.oid, n.nspname AS schema_name, c.relname AS table_name, a.attname, a.attnum,
           regexp_replace(a.attname, '[0-9]+$', '') AS stem
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE a.attname ~ '^[^0-9]+[0-9]+$'
      AND c.relkind IN ('r', 'p')
        AND NOT c.relispartition
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                          AND d.deptype = 'e')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname !~ '^pg_(toast|temp_)'
)
SELECT schema_name, table_name, stem, string_agg(quote_ident(attname), ', ' ORDER BY attnum) AS column_names,
       count(*) AS column_count
FROM numbered
GROUP BY oid, schema_name, table_name, stem
HAVING count(*) >= 2
ORDER BY 1, 2, 3
