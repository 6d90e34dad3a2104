-- Finds foreign keys whose columns are not the leading key columns of any enabled index on the referencing table.
-- Why: every DELETE or key UPDATE on the referenced table scans the referencing table to enforce the constraint,
-- and joins along the relationship cannot seek.
SELECT s.name AS schema_name, t.name AS table_name, fk.name AS constraint_name,
       COL_NAME(fk.parent_object_id, c1.parent_column_id) AS column_name,
       OBJECT_SCHEMA_NAME(fk.referenced_object_id) + '.' + OBJECT_NAME(fk.referenced_object_id) AS referenced_table,
       (SELECT COUNT(*) FROM sys.foreign_key_columns AS n WHERE n.constraint_object_id = fk.object_id) AS column_count
FROM sys.foreign_keys AS fk
JOIN sys.tables AS t ON t.object_id = fk.parent_object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
JOIN sys.foreign_key_columns AS c1 ON c1.constraint_object_id = fk.object_id AND c1.constraint_column_id = 1
WHERE t.is_ms_shipped = 0
  AND NOT EXISTS (
    SELECT 1
    FROM sys.indexes AS i
    WHERE i.object_id = fk.parent_object_id AND i.is_disabled = 0 AND i.is_hypothetical = 0 AND i.type IN (1, 2)
      AND NOT EXISTS (
        SELECT 1
        FROM sys.foreign_key_columns AS fkc
        WHERE fkc.constraint_object_id = fk.object_id
          AND NOT EXISTS (
            SELECT 1
            FROM sys.index_columns AS ic
            WHERE ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.column_id = fkc.parent_column_id
              AND ic.key_ordinal BETWEEN 1 AND (SELECT COUNT(*) FROM sys.foreign_key_columns AS k
                                                WHERE k.constraint_object_id = fk.object_id))))
ORDER BY s.name, t.name, fk.name
