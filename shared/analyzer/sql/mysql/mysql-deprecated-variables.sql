-- Finds global variables, set on this server to something other than their default, that the server's flavour has
-- deprecated or removed in a later version (a migration risk: a configuration file naming a removed variable stops
-- the upgraded server from starting). The rules below list only variables whose deprecation and removal versions
-- are stated in the MySQL / MariaDB release notes; a variable the server does not have produces no row.
-- Why: the setting does what it should today, but the next major version ignores or rejects it, so the upgrade
-- fails or silently changes behaviour (binary log retention, authentication, redo log size).
SELECT r.setting_name, v.value AS setting_value, r.flavor, r.deprecated_in, r.removed_in, r.replacement,
       CASE WHEN r.removed_in = 'not yet' THEN 'low' ELSE 'medium' END AS severity
FROM (SELECT 'mysql' AS flavor, 'expire_logs_days' AS setting_name, '0' AS default_value, '8.0' AS deprecated_in,
             '8.4' AS removed_in, 'binlog_expire_logs_seconds' AS replacement
      UNION ALL SELECT 'mysql', 'default_authentication_plugin', 'caching_sha2_password', '8.0.27', '8.4',
                       'authentication_policy'
      UNION ALL SELECT 'mysql', 'master_info_repository', 'TABLE', '8.0.23', '8.4',
                       'nothing (replication metadata is always kept in tables)'
      UNION ALL SELECT 'mysql', 'relay_log_info_repository', 'TABLE', '8.0.23', '8.4',
                       'nothing (replication metadata is always kept in tables)'
      UNION ALL SELECT 'mysql', 'transaction_write_set_extraction', 'XXHASH64', '8.0.26', '8.4',
                       'nothing (XXHASH64 is always used)'
      UNION ALL SELECT 'mysql', 'log_bin_use_v1_row_events', 'OFF', '8.0.18', '8.4', 'nothing (v2 row events)'
      UNION ALL SELECT 'mysql', 'binlog_format', 'ROW', '8.0.34', 'not yet', 'ROW-based logging'
      UNION ALL SELECT 'mysql', 'innodb_log_files_in_group', '2', '8.0.30', 'not yet', 'innodb_redo_log_capacity'
      UNION ALL SELECT 'mysql', 'innodb_log_file_size', '50331648', '8.0.30', 'not yet', 'innodb_redo_log_capacity'
      UNION ALL SELECT 'mariadb', 'old', 'OFF', '10.9', 'not yet', 'old_mode'
      UNION ALL SELECT 'mariadb', 'innodb_change_buffering', 'none', '10.9', '11.0', 'nothing (the change buffer is gone)'
     ) AS r
JOIN {variables} AS v ON v.name = r.setting_name
WHERE r.flavor = CASE WHEN VERSION() LIKE '%MariaDB%' THEN 'mariadb' ELSE 'mysql' END
  AND UPPER(v.value) <> UPPER(r.default_value)
ORDER BY r.setting_name
