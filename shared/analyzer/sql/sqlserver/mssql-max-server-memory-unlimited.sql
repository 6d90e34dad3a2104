-- Finds 'max server memory (MB)' left at its default (2147483647: unlimited).
-- Why: the buffer pool grows until the operating system is starved and pages the engine out.
SELECT c.name AS setting_name, CAST(c.value_in_use AS bigint) AS setting_value,
       i.physical_memory_kb / 1024 AS physical_memory_mb
FROM sys.configurations AS c
CROSS JOIN sys.dm_os_sys_info AS i
WHERE c.name = N'max server memory (MB)' AND CAST(c.value_in_use AS bigint) >= 2147483647
