-- Finds a server where more than 5 % of table-level lock requests since start-up could not be granted at once
-- (Table_locks_waited / (Table_locks_waited + Table_locks_immediate)), over at least 1,000 requests.
-- Why: table locks serialize every writer (and readers behind them) on the whole table; waits mean MyISAM/Aria
-- tables, or LOCK TABLES, under concurrent load.
SELECT 'Table_locks_waited' AS setting_name, CAST(c.table_locks_waited AS UNSIGNED) AS table_locks_waited,
       CAST(c.table_locks_waited + c.table_locks_immediate AS UNSIGNED) AS lock_requests,
       ROUND(100 * c.table_locks_waited / (c.table_locks_waited + c.table_locks_immediate), 1) AS waited_percent
FROM {counters} c
WHERE c.table_locks_waited + c.table_locks_immediate >= 1000
  AND c.table_locks_waited > 0.05 * (c.table_locks_waited + c.table_locks_immediate)
