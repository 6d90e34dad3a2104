-- Finds a server whose joins ran without a usable index (Select_full_join: a full scan of the joined table for
-- every row; Select_range_check: keys re-evaluated per row) at 250 or more a day since it started, measured over at
-- least an hour of uptime.
-- Why: each such join is a nested full scan, its cost grows with the product of the table sizes, and it usually
-- means a missing index on a join column.
SELECT 'Select_full_join' AS setting_name,
       CAST(c.select_full_join + c.select_range_check AS UNSIGNED) AS joins_without_index,
       CAST(c.select_full_join AS UNSIGNED) AS select_full_join,
       CAST(c.select_range_check AS UNSIGNED) AS select_range_check,
       ROUND((c.select_full_join + c.select_range_check) * 86400 / c.uptime) AS per_day
FROM {counters} c
WHERE c.uptime >= 3600
  AND (c.select_full_join + c.select_range_check) * 86400 / c.uptime >= 250
