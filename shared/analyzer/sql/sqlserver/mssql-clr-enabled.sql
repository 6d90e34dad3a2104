-- Finds CLR integration enabled, graded higher when 'clr strict security' is off.
-- Why: CLR assemblies run .NET code inside the engine; without strict security a SAFE assembly can still escape
-- to the operating system.
SELECT c.name AS setting_name, CAST(c.value_in_use AS int) AS setting_value,
       ISNULL(CAST(s.value_in_use AS int), 0) AS clr_strict_security,
       CASE WHEN ISNULL(CAST(s.value_in_use AS int), 0) = 0 THEN 'high' ELSE 'low' END AS severity
FROM sys.configurations AS c
LEFT JOIN sys.configurations AS s ON s.name = N'clr strict security'
WHERE c.name = N'clr enabled' AND CAST(c.value_in_use AS int) = 1
