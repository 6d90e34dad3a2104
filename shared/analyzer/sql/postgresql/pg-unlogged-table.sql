-- Finds unlogged tables.
-- Why: an unlogged table is emptied after a crash or unclean shutdown and is not replicated to standbys or
-- included in WAL-based backups, so its data is lost on failover; acceptable only for disposable data.
SELECT n.nspname AS schema_name, c.relname AS table_name, pg_relation_size(c.oid) AS table_size_bytes
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND c.relpersistence = 'u'
  AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY 1, 2
