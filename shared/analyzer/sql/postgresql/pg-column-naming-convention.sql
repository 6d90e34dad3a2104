-- Finds columns of user tables whose names are not a plain lower-case identifier (a-z, 0-9, _ and $, not starting
-- with a digit or $), i.e. names PostgreSQL only accepts in double quotes: upper case letters, hyphens, spaces and
-- any other character. Partitions are reported once, on their parent.
-- Why: a quoted name must be written in quotes and in exactly that case in every query, forever; unquoted
-- references are folded to lower case and fail, and many tools and ORMs do not quote.
SELECT n.nspname AS schema_name, c.relname AS table_name, a.attname AS column_name,
       quote_ident(a.attname) AS quoted_name,
       CASE WHEN a.attname ~ '[A-Z]' THEN 'has upper case letters' WHEN a.attname ~ '^[0-9$]' THEN 'starts with a digit' ELSE 'has characters other than a-z, 0-9 and _' END AS reason
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE a.attnum > 0
  AND NOT a.attisdropped
  AND a.attname !~ '^[a-z_][a-z0-9_$]*$'
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                    AND d.deptype = 'e')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2, 3
