-- Finds a server where at least 3 % of connection attempts since start-up failed (Aborted_connects / Connections,
-- MySQLTuner's threshold), once at least 100 connections were made.
-- Why: failed connects are misconfigured clients (wrong credentials, missing grants), network problems or someone
-- guessing passwords; all of them are worth knowing about.
SELECT 'Aborted_connects' AS setting_name, CAST(c.aborted_connects AS UNSIGNED) AS aborted_connects,
       CAST(c.connections AS UNSIGNED) AS connections,
       ROUND(100 * c.aborted_connects / c.connections, 1) AS aborted_percent
FROM {counters} c
WHERE c.connections >= 100
  AND c.aborted_connects >= 0.03 * c.connections
