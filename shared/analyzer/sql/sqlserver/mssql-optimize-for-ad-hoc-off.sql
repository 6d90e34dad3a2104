-- Finds the server configuration option 'optimize for ad hoc workloads' with a running value (value_in_use) = 0.
-- Why: with the option on, a statement caches only a small stub until it runs a second time, keeping single-use plans
-- from crowding out the plan cache and the buffer pool.
SELECT c.name AS setting_name, CAST(c.value_in_use AS int) AS setting_value
FROM sys.configurations AS c
WHERE c.name = N'optimize for ad hoc workloads' AND CAST(c.value_in_use AS int) = 0
