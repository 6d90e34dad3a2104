-- Finds 'max degree of parallelism' left at 0 (unlimited) on a server with more than 8 logical CPUs.
-- Why: a single query can take every scheduler, starving others and waiting on CXPACKET; Microsoft recommends at
-- most 8 (or the cores per NUMA node).
SELECT c.name AS setting_name, CAST(c.value_in_use AS int) AS setting_value, i.cpu_count
FROM sys.configurations AS c
CROSS JOIN sys.dm_os_sys_info AS i
WHERE c.name = N'max degree of parallelism' AND CAST(c.value_in_use AS int) = 0 AND i.cpu_count > 8
