-- Finds a schema that declares foreign keys while foreign key enforcement is off on this (the analysis) connection.
-- SQLite enforces foreign keys only on connections that run PRAGMA foreign_keys = ON - the setting is not stored in
-- the file, so this check cannot see the application's connections and reports it as information.
-- Why: if the application does not enable it either, every declared foreign key is documentation only.
SELECT 'foreign_keys' AS setting_name, k.foreign_keys AS setting_value,
       (SELECT count(DISTINCT m.name) FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
        WHERE m.type = 'table') AS tables_with_foreign_keys
FROM pragma_foreign_keys k
WHERE k.foreign_keys = 0
  AND EXISTS (SELECT 1 FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table')
