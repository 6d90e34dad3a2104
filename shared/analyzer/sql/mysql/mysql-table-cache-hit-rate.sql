-- Finds a server where fewer than 80 % of table opens since start-up were served from the table open cache
-- (Table_open_cache_hits / (hits + misses)), once at least 1,000 opens were counted.
-- Why: every miss re-opens the table's files and definition, costing file descriptors and mutex time; the cache
-- is smaller than the set of tables in use.
SELECT 'table_open_cache' AS setting_name, CAST(c.table_open_cache AS UNSIGNED) AS table_open_cache,
       CAST(c.table_open_cache_misses AS UNSIGNED) AS table_open_cache_misses,
       ROUND(100 * c.table_open_cache_hits / (c.table_open_cache_hits + c.table_open_cache_misses)) AS hit_percent
FROM {counters} c
WHERE c.table_open_cache_hits + c.table_open_cache_misses >= 1000
  AND c.table_open_cache_hits < 0.8 * (c.table_open_cache_hits + c.table_open_cache_misses)
