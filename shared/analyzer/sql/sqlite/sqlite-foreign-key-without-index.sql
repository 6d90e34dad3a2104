-- Finds foreign keys whose child columns are not the leading columns of any index (nor the rowid) of the child table.
-- Why: with foreign keys enforced, every DELETE or key UPDATE on the parent scans the whole child table to find
-- referencing rows, and joins from parent to child scan it too.
WITH fkc AS (
    SELECT m.name AS table_name, f.id AS fk_id, f.seq AS seq, f."from" AS column_name, f."table" AS parent_table
    FROM sqlite_master m
    JOIN pragma_foreign_key_list(m.name) f
    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite!_%' ESCAPE '!'
),
fk AS (
    SELECT table_name, fk_id, parent_table, count(*) AS n, group_concat(column_name, ', ') AS fk_columns
    FROM (SELECT * FROM fkc ORDER BY table_name, fk_id, seq)
    GROUP BY table_name, fk_id, parent_table
)
SELECT 'main' AS schema_name, fk.table_name, fk.fk_columns AS column_name, fk.parent_table AS referenced_table
FROM fk
WHERE NOT EXISTS (
        SELECT 1 FROM pragma_index_list(fk.table_name) il
        WHERE il.partial = 0
          AND (SELECT count(*) FROM pragma_index_info(il.name) ii
               JOIN fkc c ON c.table_name = fk.table_name AND c.fk_id = fk.fk_id
                         AND c.column_name = ii.name COLLATE NOCASE
               WHERE ii.seqno < fk.n) = fk.n)
  AND NOT (fk.n = 1 AND EXISTS (
        SELECT 1 FROM pragma_table_info(fk.table_name) t
        WHERE t.pk = 1 AND upper(t.type) = 'INTEGER' AND t.name = fk.fk_columns COLLATE NOCASE
          AND (SELECT count(*) FROM pragma_table_info(fk.table_name) k WHERE k.pk > 0) = 1))
ORDER BY fk.table_name, fk.fk_id
