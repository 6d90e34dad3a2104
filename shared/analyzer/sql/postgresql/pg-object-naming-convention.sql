-- Finds user schemas, tables, views, materialized views, indexes, sequences, functions/procedures and constraints
-- whose names are not a plain lower-case identifier (a-z, 0-9, _ and $, not starting with a digit or $), i.e.
-- names PostgreSQL only accepts in double quotes. Extension-owned objects and partitions are left out.
-- Why: a quoted name must be written in quotes and in exactly that case in every statement; unquoted references
-- are folded to lower case and fail, and many tools do not quote.
WITH named AS (
    SELECT n.nspname AS schema_name, c.relname AS object_name,
           CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
                          WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table'
                          ELSE 'index' END AS object_type
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'i', 'I')
      AND NOT c.relispartition
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                    AND d.deptype = 'e')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
    UNION ALL
    SELECT n.nspname, p.proname, CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END
    FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                        AND d.deptype = 'e')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
    UNION ALL
    SELECT n.nspname, k.conname, 'constraint'
    FROM pg_constraint k
    JOIN pg_namespace n ON n.oid = k.connamespace
    WHERE k.conparentid = 0 AND k.coninhcount = 0
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
    UNION ALL
    SELECT n.nspname, n.nspname, 'schema'
    FROM pg_namespace n
    WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid
                        AND d.deptype = 'e')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
)
SELECT schema_name, object_name, object_type, quote_ident(object_name) AS quoted_name,
       CASE WHEN object_name ~ '[A-Z]' THEN 'has upper case letters' WHEN object_name ~ '^[0-9$]' THEN 'starts with a digit' ELSE 'has characters other than a-z, 0-9 and _' END AS reason
FROM named
WHERE object_name !~ '^[a-z_][a-z0-9_$]*$'
ORDER BY 1, 3, 2
