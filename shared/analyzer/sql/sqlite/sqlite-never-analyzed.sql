-- Finds a database that has indexes but no sqlite_stat1 table, i.e. ANALYZE has never run.
-- Why: without statistics the planner guesses every index is equally selective and can pick a poor index for
-- multi-index queries - PRAGMA optimize keeps statistics current cheaply.
SELECT 'main' AS schema_name, 'sqlite_stat1' AS object_name, count(*) AS index_count
FROM sqlite_master m
WHERE m.type = 'index'
HAVING count(*) > 0
   AND NOT EXISTS (SELECT 1 FROM sqlite_master s WHERE s.type = 'table' AND s.name = 'sqlite_stat1')
