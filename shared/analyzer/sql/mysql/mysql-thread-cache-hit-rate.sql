-- Finds a server where at least 50 % of connections since start-up had to create a new thread
-- (Threads_created / Connections, MySQLTuner's thread cache hit rate), once at least 100 connections were made.
-- Why: creating a thread per connection costs time and memory churn on every connect; a thread cache reuses them.
SELECT 'thread_cache_size' AS setting_name, CAST(c.thread_cache_size AS UNSIGNED) AS thread_cache_size,
       CAST(c.threads_created AS UNSIGNED) AS threads_created, CAST(c.connections AS UNSIGNED) AS connections,
       ROUND(100 * c.threads_created / c.connections) AS created_percent
FROM {counters} c
WHERE c.connections >= 100
  AND c.threads_created >= 0.5 * c.connections
