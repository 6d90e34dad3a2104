-- Finds sequences that have used at least 75 % of their range, where the range is the smaller of the sequence's
-- own maximum and the maximum of the integer column that owns it (serial / identity / OWNED BY).
-- Why: when a sequence or its int column runs out, every insert fails ("nextval: reached maximum value" or
-- "integer out of range"); widening an int4 key on a big table needs a long rewrite, so it must start early.
WITH seq AS (
    SELECT s.schemaname, s.sequencename, s.last_value, s.max_value, d.refobjid AS table_oid,
           d.refobjsubid AS attnum
    FROM pg_sequences s
    JOIN pg_namespace sn ON sn.nspname = s.schemaname
    JOIN pg_class sc ON sc.relnamespace = sn.oid AND sc.relname = s.sequencename
    LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = sc.oid
                         AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
    WHERE s.last_value IS NOT NULL
      AND s.increment_by > 0
      AND s.schemaname NOT IN ('pg_catalog', 'information_schema')
), limits AS (
    SELECT seq.*, tc.relname AS table_name, a.attname AS column_name,
           LEAST(seq.max_value, CASE a.atttypid WHEN 'int2'::regtype THEN 32767
                                                WHEN 'int4'::regtype THEN 2147483647
                                                ELSE seq.max_value END) AS usable_max,
           format_type(a.atttypid, NULL) AS column_type
    FROM seq
    LEFT JOIN pg_class tc ON tc.oid = seq.table_oid
    LEFT JOIN pg_attribute a ON a.attrelid = seq.table_oid AND a.attnum = seq.attnum
)
SELECT schemaname AS schema_name, sequencename AS object_name,
       COALESCE(table_name || '.' || column_name || ' (' || column_type || ')', 'none') AS owner_column,
       column_type,
       last_value, usable_max,
       round(100.0 * last_value / usable_max, 1) AS percent_used,
       CASE WHEN last_value >= /*:critical_percent*/ 90 / 100.0 * usable_max THEN 'critical' ELSE 'high' END AS severity
FROM limits
WHERE last_value >= /*:percent_used*/ 75 / 100.0 * usable_max
ORDER BY last_value::numeric / usable_max DESC
