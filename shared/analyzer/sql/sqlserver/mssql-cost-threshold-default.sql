-- Finds 'cost threshold for parallelism' at its default of 5.
-- Why: the default dates from 1990s hardware; cheap queries go parallel and the overhead outweighs the gain.
SELECT c.name AS setting_name, CAST(c.value_in_use AS int) AS setting_value
FROM sys.configurations AS c
WHERE c.name = N'cost threshold for parallelism' AND CAST(c.value_in_use AS int) = 5
