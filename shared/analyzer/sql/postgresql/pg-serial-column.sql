-- Finds serial / bigserial / smallserial columns (integer columns whose default is nextval of a sequence the column
-- owns, not identity columns) that are not part of their table's primary key.
-- Why: a generated number outside the key is usually a leftover or a second surrogate key; serial also has
-- identity's drawbacks (separate sequence permissions, CREATE TABLE LIKE sharing the sequence).
WITH serial_columns AS (
    SELECT n.nspname AS schema_name, c.relname AS table_name, a.attname AS column_name, c.oid AS table_oid,
           a.attnum, s.oid::regclass::text AS sequence_name,
           CASE a.atttypid WHEN 'int2'::regtype THEN 'smallserial' WHEN 'int4'::regtype THEN 'serial'
                           ELSE 'bigserial' END AS column_type
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = a.attrelid
                    AND d.refobjsubid = a.attnum AND d.classid = 'pg_class'::regclass AND d.deptype = 'a'
    JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
    WHERE a.attnum > 0
      AND NOT a.attisdropped
      AND a.attidentity = ''
      AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)
      AND pg_get_expr(ad.adbin, ad.adrelid) = format('nextval(%L::regclass)', s.oid::regclass::text)
      AND c.relkind IN ('r', 'p')
      AND NOT c.relispartition
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                        AND d.deptype = 'e')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname !~ '^pg_(toast|temp_)'
)
SELECT schema_name, table_name, column_name, column_type, sequence_name
FROM serial_columns sc
WHERE NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = sc.table_oid AND k.contype = 'p' AND sc.attnum = ANY (k.conkey))
ORDER BY 1, 2, 3
