-- Finds foreign keys whose parent table does not exist or whose parent columns are neither the parent's primary key
-- nor covered exactly by a unique index.
-- Why: on a connection with foreign_keys ON every write to the child table then fails ("no such table" or "foreign
-- key mismatch"), and PRAGMA foreign_key_check cannot run.
WITH fkc AS (
    SELECT m.name AS table_name, f.id AS fk_id, f.seq AS seq, f."from" AS from_col, f."table" AS parent_table,
           f."to" AS to_col
    FROM sqlite_master m
    JOIN pragma_foreign_key_list(m.name) f
    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite!_%' ESCAPE '!'
),
fk AS (
    SELECT table_name, fk_id, parent_table, count(*) AS n, group_concat(from_col, ', ') AS fk_columns,
           max(to_col IS NULL) AS to_primary_key
    FROM (SELECT * FROM fkc ORDER BY table_name, fk_id, seq)
    GROUP BY table_name, fk_id, parent_table
)
SELECT 'main' AS schema_name, fk.table_name, fk.fk_columns AS column_name, fk.parent_table AS referenced_table,
       CASE WHEN p.name IS NULL THEN 'the referenced table does not exist'
            ELSE 'the referenced columns are neither its primary key nor a unique index' END AS problem
FROM fk
LEFT JOIN sqlite_master p ON p.type = 'table' AND p.name = fk.parent_table COLLATE NOCASE
WHERE p.name IS NULL
   OR NOT (
        (fk.to_primary_key = 1
         AND (SELECT count(*) FROM pragma_table_info(p.name) t WHERE t.pk > 0) = fk.n)
     OR (fk.to_primary_key = 0
         AND (SELECT count(*) FROM pragma_table_info(p.name) t WHERE t.pk > 0) = fk.n
         AND (SELECT count(*) FROM pragma_table_info(p.name) t
              JOIN fkc c ON c.table_name = fk.table_name AND c.fk_id = fk.fk_id AND c.to_col = t.name COLLATE NOCASE
              WHERE t.pk > 0) = fk.n)
     OR EXISTS (SELECT 1 FROM pragma_index_list(p.name) il
                WHERE il."unique" = 1 AND il.partial = 0
                  AND (SELECT count(*) FROM pragma_index_info(il.name)) = fk.n
                  AND (SELECT count(*) FROM pragma_index_info(il.name) ii
                       JOIN fkc c ON c.table_name = fk.table_name AND c.fk_id = fk.fk_id
                                 AND c.to_col = ii.name COLLATE NOCASE) = fk.n))
ORDER BY fk.table_name, fk.fk_id
