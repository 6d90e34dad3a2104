-- Finds user tables that inherit from another table through INHERITS (declarative partitions, which also appear in
-- pg_inherits, are left out).
-- Why: with table inheritance, indexes, unique and primary keys and foreign keys apply to each table separately:
-- the parent can see duplicate "unique" values and nothing can reference the hierarchy as a whole. The PostgreSQL
-- wiki lists it under "Don't Do This".
SELECT n.nspname AS schema_name, c.relname AS table_name,
       string_agg(i.inhparent::regclass::text, ', ' ORDER BY i.inhseqno) AS parent_tables
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                    AND d.deptype = 'e')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
GROUP BY n.nspname, c.relname
ORDER BY 1, 2
