-- Finds user tables with a primary key whose first (lowest-numbered, not dropped) column is not a key column.
-- Why: a convention rather than a defect: the key first makes \d output, SELECT * and generated code read the way
-- people expect, so a key hidden in the middle is easily missed.
WITH firsts AS (
    SELECT c.oid, n.nspname AS schema_name, c.relname AS table_name,
           (SELECT a.attnum FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum LIMIT 1) AS first_attnum
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p')
        AND NOT c.relispartition
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                          AND d.deptype = 'e')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname !~ '^pg_(toast|temp_)'
)
SELECT f.schema_name, f.table_name, fa.attname AS first_column,
       (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY u.ord)
          FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum) AS key_columns
FROM firsts f
JOIN pg_constraint k ON k.conrelid = f.oid AND k.contype = 'p'
JOIN pg_attribute fa ON fa.attrelid = f.oid AND fa.attnum = f.first_attnum
WHERE NOT f.first_attnum = ANY (k.conkey)
ORDER BY 1, 2
