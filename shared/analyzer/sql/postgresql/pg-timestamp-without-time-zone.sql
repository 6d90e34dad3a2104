-- Finds columns of tables declared as timestamp without time zone or as timetz (both on the PostgreSQL wiki's "Don't
-- Do This" list), excluding
-- extension-owned tables and partitions (reported once on their parent).
-- Why: timestamp stores a wall-clock reading with no time zone, so the same value means different instants for
-- different sessions and daylight-saving shifts corrupt arithmetic; timetz keeps an offset without a date, which
-- cannot follow daylight saving and so cannot name an instant either.
SELECT n.nspname AS schema_name, c.relname AS table_name, a.attname AS column_name,
       format_type(a.atttypid, a.atttypmod) AS column_type,
       CASE WHEN a.atttypid = 'timetz'::regtype
            THEN 'a time with an offset but no date cannot follow daylight saving, so it names no instant'
            ELSE 'it cannot say which instant it records' END AS reason
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE a.attnum > 0
  AND NOT a.attisdropped
  AND a.atttypid IN ('timestamp'::regtype, 'timetz'::regtype)
  AND c.relkind IN ('r', 'p', 'f')
  AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                    AND d.deptype = 'e')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2, 3
