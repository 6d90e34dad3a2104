-- Finds a server with the query cache enabled: query_cache_size > 0 and query_cache_type not OFF (DEMAND counts as
-- on). Servers without a query cache (MySQL 8.0+) skip the check with the reason.
-- Why: the query cache's single mutex serializes lookups and invalidations, which caps throughput on multi-core
-- servers under writes; MySQL deprecated it in 5.7 and removed it in 8.0, MariaDB ships it off by default.
SELECT 'query_cache_type' AS setting_name, ROUND(c.query_cache_size / 1048576, 1) AS query_cache_mb
FROM {counters} c
WHERE c.query_cache_size > 0
  AND COALESCE(c.query_cache_type, 1) <> 0
