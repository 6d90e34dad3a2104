-- Finds a database file not in WAL journal mode (WAL is the only mode stored in the file - other modes are chosen by
-- each connection, so the value shown is what a new connection gets). OFF and MEMORY are graded high.
-- Why: in rollback-journal modes readers block the writer and vice versa, and OFF/MEMORY lose atomic commit: a crash
-- mid-transaction can corrupt the database.
SELECT 'journal_mode' AS setting_name, j.journal_mode AS setting_value,
       CASE WHEN lower(j.journal_mode) IN ('off', 'memory') THEN 'high' ELSE 'low' END AS severity,
       CASE WHEN lower(j.journal_mode) IN ('off', 'memory')
            THEN 'and without an on-disk journal a crash mid-transaction can corrupt the file'
            ELSE 'commits are atomic, only concurrency suffers' END AS mode_risk
FROM pragma_journal_mode j
WHERE lower(j.journal_mode) <> 'wal'
