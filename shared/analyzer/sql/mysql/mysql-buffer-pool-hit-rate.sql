-- Finds a server where more than 1 % of InnoDB page read requests since start-up missed the buffer pool and read
-- from disk (Innodb_buffer_pool_reads / Innodb_buffer_pool_read_requests), over at least 10,000 requests.
-- Why: a miss is a synchronous disk read in the query's path; a working set larger than the buffer pool makes the
-- server I/O-bound.
SELECT 'innodb_buffer_pool_size' AS setting_name,
       CAST(c.innodb_buffer_pool_reads AS UNSIGNED) AS innodb_buffer_pool_reads,
       CAST(c.innodb_buffer_pool_read_requests AS UNSIGNED) AS innodb_buffer_pool_read_requests,
       ROUND(100 * c.innodb_buffer_pool_reads / c.innodb_buffer_pool_read_requests, 2) AS disk_percent,
       ROUND(c.innodb_buffer_pool_size / 1048576) AS buffer_pool_mb
FROM {counters} c
WHERE c.innodb_buffer_pool_read_requests >= 10000
  AND c.innodb_buffer_pool_reads > 0.01 * c.innodb_buffer_pool_read_requests
