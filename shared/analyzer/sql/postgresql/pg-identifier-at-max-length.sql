-- Finds tables, indexes, sequences, views, columns, constraints and functions/procedures whose name is exactly max_identifier_length
-- (63) bytes long; names PostgreSQL generated itself (truncated on purpose, ending in _pkey, _key, _fkey, _idx,
-- _check, _excl or _seq) are left out.
-- Why: PostgreSQL silently truncates longer identifiers, so such a name was very likely cut off: two long names
-- can collide after truncation, and migrations or ORMs that use the full name no longer find the object.
SELECT n.nspname AS schema_name, c.relname AS object_name,
       CASE c.relkind WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view'
                      WHEN 'm' THEN 'materialized view' ELSE 'table' END AS object_type
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE octet_length(c.relname) >= current_setting('max_identifier_length')::int
  AND c.relkind IN ('r', 'p', 'i', 'I', 'S', 'v', 'm', 'f')
  AND NOT (c.relkind IN ('i', 'I', 'S') AND c.relname ~ '_(pkey|key|fkey|idx|excl|seq)$')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
UNION ALL
SELECT n.nspname, c.relname || '.' || a.attname, 'column'
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE octet_length(a.attname) >= current_setting('max_identifier_length')::int
  AND a.attnum > 0 AND NOT a.attisdropped
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
UNION ALL
SELECT n.nspname, k.conname, 'constraint'
FROM pg_constraint k
JOIN pg_namespace n ON n.oid = k.connamespace
WHERE octet_length(k.conname) >= current_setting('max_identifier_length')::int
  AND k.conname !~ '_(pkey|key|fkey|check|excl)$'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
UNION ALL
SELECT n.nspname, p.proname, CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE octet_length(p.proname) >= current_setting('max_identifier_length')::int
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                    AND d.deptype = 'e')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2
