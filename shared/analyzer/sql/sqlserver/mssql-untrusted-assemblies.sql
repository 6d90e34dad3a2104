-- Finds user CLR assemblies with EXTERNAL_ACCESS or UNSAFE permission sets.
-- Why: such assemblies can reach the file system, network and unmanaged code with the service account's rights.
SELECT a.name AS object_name, a.permission_set_desc AS setting_value, a.create_date
FROM sys.assemblies AS a
WHERE a.is_user_defined = 1 AND a.permission_set IN (2, 3)
ORDER BY a.name
