-- Finds columns of user tables of type oid or of the lo extension's domain over oid: references to large objects
-- kept in pg_largeobject.
-- Why: a large object is read with a second lookup, is not deleted when its row is (orphans pile up unless
-- vacuumlo or a trigger unlinks them), and is skipped by logical replication and by pg_dump of single tables;
-- bytea or text (TOASTed up to 1 GB) avoid all of this.
SELECT n.nspname AS schema_name, c.relname AS table_name, a.attname AS column_name,
       format_type(a.atttypid, a.atttypmod) AS column_type
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE a.attnum > 0
  AND NOT a.attisdropped
  AND (a.atttypid = 'oid'::regtype OR EXISTS (SELECT 1 FROM pg_type t WHERE t.oid = a.atttypid AND t.typname = 'lo' AND t.typtype = 'd'))
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                    AND d.deptype = 'e')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2, 3
