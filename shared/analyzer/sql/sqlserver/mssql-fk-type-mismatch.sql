-- Finds foreign key columns whose type, length, precision, scale or collation differs from the referenced column.
-- Why: joins along the relationship need implicit conversions that can prevent index seeks, and values that fit
-- one side may not fit the other.
SELECT s.name AS schema_name, t.name AS table_name, fk.name AS constraint_name, pc.name AS column_name,
       TYPE_NAME(pc.user_type_id) AS column_type, pc.max_length AS column_length,
       OBJECT_SCHEMA_NAME(fk.referenced_object_id) + '.' + OBJECT_NAME(fk.referenced_object_id) + '.' + rc.name
         AS referenced_column,
       TYPE_NAME(rc.user_type_id) AS referenced_type, rc.max_length AS referenced_length
FROM sys.foreign_keys AS fk
JOIN sys.foreign_key_columns AS fkc ON fkc.constraint_object_id = fk.object_id
JOIN sys.columns AS pc ON pc.object_id = fkc.parent_object_id AND pc.column_id = fkc.parent_column_id
JOIN sys.columns AS rc ON rc.object_id = fkc.referenced_object_id AND rc.column_id = fkc.referenced_column_id
JOIN sys.tables AS t ON t.object_id = fk.parent_object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE t.is_ms_shipped = 0
  AND (pc.system_type_id <> rc.system_type_id OR pc.max_length <> rc.max_length OR pc.precision <> rc.precision
       OR pc.scale <> rc.scale OR ISNULL(pc.collation_name, N'') <> ISNULL(rc.collation_name, N''))
ORDER BY s.name, t.name, fk.name, pc.name
