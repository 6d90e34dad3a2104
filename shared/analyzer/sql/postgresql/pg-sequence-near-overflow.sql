-- Finds sequences that have used at least 75 % of their range, where the range is the smaller of the sequence's
-- own maximum and the maximum of the integer column that owns it (serial / identity / OWNED BY).
-- Why: when a sequence or its int column runs out, every insert fails ("nextval: reached maximum value" or
-- "integer out of range"); widening an int4 key on a big table needs a long rewrite, so it must start early.
-- Only sequences that can run out in practice have their position read (pg_sequence_last_value locks each one it
-- reads until the statement ends, so reading 20,000 identity sequences at once exhausts the lock table): those
-- typed smallint/integer, owned by a smallint/integer column, with a MAXVALUE below bigint's, or counting in steps
-- of more than 1,000. A bigint sequence stepping by 1 would need 6.9e18 calls to reach 75 %.
WITH owned AS (
    SELECT sc.oid, n.nspname AS schemaname, sc.relname AS sequencename, ps.seqmax AS max_value,
           d.refobjid AS table_oid, d.refobjsubid AS attnum, a.atttypid AS owner_type
    FROM pg_sequence ps
    JOIN pg_class sc ON sc.oid = ps.seqrelid
    JOIN pg_namespace n ON n.oid = sc.relnamespace
    LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = sc.oid
                         AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
    LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
    WHERE ps.seqincrement > 0
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND (ps.seqtypid <> 'int8'::regtype OR ps.seqmax < 9223372036854775807 OR ps.seqincrement > 1000
           OR a.atttypid IN ('int2'::regtype, 'int4'::regtype))
    OFFSET 0  -- a barrier: the privilege check and the read below must only ever see sequences
), candidates AS (
    SELECT * FROM owned WHERE has_sequence_privilege(owned.oid, 'SELECT,USAGE') OFFSET 0
), seq AS (
    SELECT schemaname, sequencename, pg_sequence_last_value(oid) AS last_value, max_value, table_oid, attnum
    FROM candidates
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
