-- Finds foreign keys of user tables whose delete or update action is not NO ACTION (CASCADE, SET NULL, SET DEFAULT).
-- Why: cascading actions run inside the triggering statement with range locks at SERIALIZABLE, so one delete can
-- touch and lock many rows in other tables; worth knowing which keys do it.
SELECT s.name AS schema_name, t.name AS table_name, fk.name AS constraint_name,
       fk.delete_referential_action_desc AS on_delete, fk.update_referential_action_desc AS on_update
FROM sys.foreign_keys AS fk
JOIN sys.tables AS t ON t.object_id = fk.parent_object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE (fk.delete_referential_action <> 0 OR fk.update_referential_action <> 0) AND t.is_ms_shipped = 0
