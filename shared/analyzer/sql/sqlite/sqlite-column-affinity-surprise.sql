-- Finds columns whose declared type gives a surprising affinity under SQLite's rules: no declared type (BLOB
-- affinity: values kept exactly as inserted), NUMERIC affinity for names that are not numeric or date types (STRING,
-- JSON, UUID ...), and INTEGER affinity for names that merely contain "INT" (POINT, INTERVAL, FLOATING POINT).
-- Why: text such as '00123' or '1e5' stored in a NUMERIC column silently becomes a number, and '1' and 1 compare
-- unequal in an untyped column, so lookups miss rows.
WITH cols AS (
    SELECT m.name AS table_name, c.name AS column_name, c.type AS declared_type,
           upper(trim(CASE WHEN instr(c.type, '(') > 0 THEN substr(c.type, 1, instr(c.type, '(') - 1)
                           ELSE c.type END)) AS base_type
    FROM sqlite_master m
    JOIN pragma_table_info(m.name) c
    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite!_%' ESCAPE '!' AND upper(m.sql) NOT LIKE 'CREATE VIRTUAL%'
),
typed AS (
    SELECT *, CASE WHEN base_type = '' THEN 'BLOB'
                   WHEN instr(base_type, 'INT') > 0 THEN 'INTEGER'
                   WHEN instr(base_type, 'CHAR') > 0 OR instr(base_type, 'CLOB') > 0 OR instr(base_type, 'TEXT') > 0 THEN 'TEXT'
                   WHEN instr(base_type, 'BLOB') > 0 THEN 'BLOB'
                   WHEN instr(base_type, 'REAL') > 0 OR instr(base_type, 'FLOA') > 0 OR instr(base_type, 'DOUB') > 0 THEN 'REAL'
                   ELSE 'NUMERIC' END AS affinity
    FROM cols
)
SELECT 'main' AS schema_name, table_name, column_name, CASE WHEN declared_type = '' THEN '(none)' ELSE declared_type END
       AS declared_type, affinity,
       CASE WHEN base_type = '' THEN 'no declared type, so values keep whatever type they were inserted with'
            WHEN affinity = 'INTEGER' THEN 'the name contains "INT", so SQLite gives it INTEGER affinity'
            ELSE 'SQLite gives unknown type names NUMERIC affinity, which turns numeric-looking text into numbers'
       END AS reason
FROM typed
WHERE base_type = ''
   OR (affinity = 'NUMERIC' AND base_type NOT IN ('NUMERIC', 'DECIMAL', 'BOOLEAN', 'BOOL', 'DATE', 'DATETIME',
                                                  'TIMESTAMP', 'TIME', 'NUMBER', 'MONEY', 'BIT', 'YEAR'))
   OR (affinity = 'INTEGER' AND (instr(base_type, 'POINT') > 0 OR instr(base_type, 'INTERVAL') > 0
                                 OR instr(base_type, 'FLOA') > 0 OR instr(base_type, 'CHAR') > 0
                                 OR instr(base_type, 'TEXT') > 0))
ORDER BY table_name, column_name
