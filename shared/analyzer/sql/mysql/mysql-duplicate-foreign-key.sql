-- Finds foreign keys that repeat another foreign key of the same table (same columns referencing the same columns).
-- Why: every insert, update and parent delete checks the same rule twice, and the copies drift apart when one is
-- changed (ON DELETE behaviour) and the other forgotten.
WITH fk AS (
    SELECT k.TABLE_SCHEMA AS schema_name, k.TABLE_NAME AS table_name, k.CONSTRAINT_NAME AS constraint_name,
           GROUP_CONCAT(k.COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR ', ') AS fk_columns,
           CONCAT(MIN(k.REFERENCED_TABLE_SCHEMA), '.', MIN(k.REFERENCED_TABLE_NAME), '(',
                  GROUP_CONCAT(k.REFERENCED_COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR ', '), ')') AS target
    FROM information_schema.KEY_COLUMN_USAGE k
    WHERE k.REFERENCED_TABLE_NAME IS NOT NULL
      AND k.TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
      AND k.TABLE_SCHEMA = COALESCE(DATABASE(), k.TABLE_SCHEMA)
    GROUP BY k.TABLE_SCHEMA, k.TABLE_NAME, k.CONSTRAINT_NAME
)
SELECT d.schema_name, d.table_name, d.constraint_name, d.fk_columns, d.target AS references_columns,
       MIN(o.constraint_name) AS duplicate_of
FROM fk d
JOIN fk o ON o.schema_name = d.schema_name AND o.table_name = d.table_name
         AND o.fk_columns = d.fk_columns AND o.target = d.target AND o.constraint_name < d.constraint_name
GROUP BY d.schema_name, d.table_name, d.constraint_name, d.fk_columns, d.target
ORDER BY 1, 2, 3
