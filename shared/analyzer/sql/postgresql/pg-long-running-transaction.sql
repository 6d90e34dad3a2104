-- Finds sessions on this database whose transaction has been open for more than 5 minutes, whether running or
-- idle in transaction (a point-in-time view; query texts are not read as they may carry literals).
-- Why: an old transaction holds back the xmin horizon so vacuum cannot remove dead rows anywhere in the
-- database, keeps its locks, and "idle in transaction" usually means an application leaked a connection.
-- The custom setting sql_analyzer.long_transaction_seconds (unset in production) lets the test fixture lower the
-- threshold to seconds; LEAST means it can only make the check report more, never hide an old transaction.
SELECT a.pid, a.usename AS user_name, a.application_name, a.state,
       date_trunc('second', now() - a.xact_start)::text AS transaction_age,
       CASE WHEN now() - a.xact_start > interval '1 hour' THEN 'high' ELSE 'medium' END AS severity
FROM pg_stat_activity a
WHERE a.datname = current_database()
  AND a.pid <> pg_backend_pid()
  AND a.backend_type = 'client backend'
  AND a.xact_start < now() - LEAST(interval '5 minutes',
        CASE WHEN current_setting('sql_analyzer.long_transaction_seconds', true) ~ '^[0-9]{1,3}$'
             THEN current_setting('sql_analyzer.long_transaction_seconds', true)::int * interval '1 second'
             ELSE interval '5 minutes' END)
ORDER BY a.xact_start
