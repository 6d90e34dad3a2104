"""SQL Server checks, checked statically (SQL Server cannot run on the build machine; see docs/sqlserver.md).

For every sqlserver check and every query in `handlers/sqlserver.py`:
- the SQL parses with sqlglot's T-SQL dialect at error level RAISE (a typo fails CI), as one statement;
- every `sys.*` / `msdb.*` object it reads is a documented catalog view, DMV or DMF listed below;
- every column read through an alias of such a view is one of the view's documented columns (catches
  `is_disable` for `is_disabled`);
- its output columns are in the mapper vocabulary (or a named measurement), and every `{placeholder}` of the
  check's message, recommendation and object templates is one of them;
- Azure SQL Database and minimum-version guards match the objects used.
Fixtures (`tests/fixtures/checks/sqlserver/`) are parsed batch by batch too.
"""
from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Any

import pytest
import sqlglot
import yaml
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel

from shared.analyzer import catalog, runner
from shared.analyzer.handlers import sqlserver as mssql_handlers
from shared.analyzer.mappers import rows_to_findings
from shared.analyzer.model import SEVERITIES
from shared.analyzer.session import ServerInfo
from tests.analyzer.check_cases import FIXTURES, split_sql

L = "https://learn.microsoft.com/en-us/sql/relational-databases/"
# Documented columns of the catalog views / DMVs / DMFs the checks use. Source: each object's page under
# {L}system-catalog-views/<name>-transact-sql or {L}system-dynamic-management-views/<name>-transact-sql
# (msdb: {L}system-tables/backupset-transact-sql). Only columns the checks read are required to be here, but the
# lists are copied from the docs, not from the queries.
_OBJECT_COLS = ("name", "object_id", "principal_id", "schema_id", "parent_object_id", "type", "type_desc",
                "create_date", "modify_date", "is_ms_shipped", "is_published", "is_schema_published")
DOCUMENTED: dict[str, set[str]] = {
    "sys.tables": {*_OBJECT_COLS, "lob_data_space_id", "max_column_id_used", "uses_ansi_nulls", "is_replicated",
                   "has_replication_filter", "is_merge_published", "is_sync_tran_subscribed", "text_in_row_limit",
                   "large_value_types_out_of_row", "is_tracked_by_cdc", "lock_escalation", "is_filetable",
                   "temporal_type", "history_table_id", "is_memory_optimized", "durability", "is_external",
                   "is_node", "is_edge", "ledger_type"},
    "sys.objects": set(_OBJECT_COLS),
    "sys.schemas": {"name", "schema_id", "principal_id"},
    "sys.indexes": {"object_id", "name", "index_id", "type", "type_desc", "is_unique", "data_space_id",
                    "ignore_dup_key", "is_primary_key", "is_unique_constraint", "fill_factor", "is_padded",
                    "is_disabled", "is_hypothetical", "is_ignored_in_optimization", "allow_row_locks",
                    "allow_page_locks", "has_filter", "filter_definition", "compression_delay",
                    "suppress_dup_key_messages", "auto_created", "optimize_for_sequential_key"},
    "sys.index_columns": {"object_id", "index_id", "index_column_id", "column_id", "key_ordinal",
                          "partition_ordinal", "is_descending_key", "is_included_column",
                          "column_store_order_ordinal"},
    "sys.columns": {"object_id", "name", "column_id", "system_type_id", "user_type_id", "max_length", "precision",
                    "scale", "collation_name", "is_nullable", "is_ansi_padded", "is_rowguidcol", "is_identity",
                    "is_computed", "is_filestream", "is_replicated", "is_non_sql_subscribed", "is_merge_published",
                    "is_dts_replicated", "is_xml_document", "xml_collection_id", "default_object_id",
                    "rule_object_id", "is_sparse", "is_column_set", "generated_always_type",
                    "generated_always_type_desc", "encryption_type", "is_hidden", "is_masked", "graph_type"},
    "sys.identity_columns": {"object_id", "name", "column_id", "system_type_id", "user_type_id", "max_length",
                             "precision", "scale", "collation_name", "is_nullable", "is_identity", "seed_value",
                             "increment_value", "last_value", "is_not_for_replication"},
    "sys.types": {"name", "system_type_id", "user_type_id", "schema_id", "principal_id", "max_length", "precision",
                  "scale", "collation_name", "is_nullable", "is_user_defined", "is_assembly_type",
                  "default_object_id", "rule_object_id", "is_table_type"},
    "sys.key_constraints": {*_OBJECT_COLS, "unique_index_id", "is_system_named", "is_enforced"},
    "sys.foreign_keys": {*_OBJECT_COLS, "referenced_object_id", "key_index_id", "is_disabled",
                         "is_not_for_replication", "is_not_trusted", "delete_referential_action",
                         "delete_referential_action_desc", "update_referential_action",
                         "update_referential_action_desc", "is_system_named"},
    "sys.foreign_key_columns": {"constraint_object_id", "constraint_column_id", "parent_object_id",
                                "parent_column_id", "referenced_object_id", "referenced_column_id"},
    "sys.check_constraints": {*_OBJECT_COLS, "is_disabled", "is_not_for_replication", "is_not_trusted",
                              "parent_column_id", "definition", "uses_database_collation", "is_system_named"},
    "sys.default_constraints": {*_OBJECT_COLS, "parent_column_id", "definition", "is_system_named"},
    "sys.triggers": {"name", "object_id", "parent_class", "parent_class_desc", "parent_id", "type", "type_desc",
                     "create_date", "modify_date", "is_ms_shipped", "is_disabled", "is_not_for_replication",
                     "is_instead_of_trigger"},
    "sys.sequences": {*_OBJECT_COLS, "start_value", "increment", "minimum_value", "maximum_value", "is_cycling",
                      "is_cached", "cache_size", "system_type_id", "user_type_id", "precision", "scale",
                      "current_value", "is_exhausted", "last_used_value"},
    "sys.stats": {"object_id", "name", "stats_id", "auto_created", "user_created", "no_recompute",
                  "has_filter", "filter_definition", "is_temporary", "is_incremental", "has_persisted_sample",
                  "stats_generation_method", "stats_generation_method_desc", "auto_drop"},
    "sys.partitions": {"partition_id", "object_id", "index_id", "partition_number", "hobt_id", "rows",
                       "filestream_filegroup_id", "data_compression", "data_compression_desc",
                       "xml_compression", "xml_compression_desc"},
    "sys.sql_modules": {"object_id", "definition", "uses_ansi_nulls", "uses_quoted_identifier",
                        "is_schema_bound", "uses_database_collation", "is_recompiled", "null_on_null_input",
                        "execute_as_principal_id", "uses_native_compilation", "inline_type", "is_inlineable"},
    "sys.databases": {"name", "database_id", "source_database_id", "owner_sid", "create_date",
                      "compatibility_level", "collation_name", "user_access", "user_access_desc", "is_read_only",
                      "is_auto_close_on", "is_auto_shrink_on", "state", "state_desc", "is_in_standby",
                      "is_cleanly_shutdown", "is_supplemental_logging_enabled", "snapshot_isolation_state",
                      "snapshot_isolation_state_desc", "is_read_committed_snapshot_on", "recovery_model",
                      "recovery_model_desc", "page_verify_option", "page_verify_option_desc",
                      "is_auto_create_stats_on", "is_auto_create_stats_incremental_on", "is_auto_update_stats_on",
                      "is_auto_update_stats_async_on", "is_ansi_null_default_on", "is_ansi_nulls_on",
                      "is_ansi_padding_on", "is_ansi_warnings_on", "is_arithabort_on",
                      "is_concat_null_yields_null_on", "is_numeric_roundabort_on", "is_quoted_identifier_on",
                      "is_recursive_triggers_on", "is_cursor_close_on_commit_on", "is_local_cursor_default",
                      "is_fulltext_enabled", "is_trustworthy_on", "is_db_chaining_on",
                      "is_parameterization_forced", "is_master_key_encrypted_by_server", "is_query_store_on",
                      "is_published", "is_subscribed", "is_merge_published", "is_distributor",
                      "is_sync_with_backup", "service_broker_guid", "is_broker_enabled", "log_reuse_wait",
                      "log_reuse_wait_desc", "is_date_correlation_on", "is_cdc_enabled", "is_encrypted",
                      "is_honor_broker_priority_on", "replica_id", "group_database_id", "resource_pool_id",
                      "default_language_lcid", "default_language_name", "default_fulltext_language_lcid",
                      "default_fulltext_language_name", "is_nested_triggers_on", "is_transform_noise_words_on",
                      "two_digit_year_cutoff", "containment", "containment_desc", "target_recovery_time_in_seconds",
                      "delayed_durability", "delayed_durability_desc", "is_memory_optimized_elevate_to_snapshot_on",
                      "is_federation_member", "is_remote_data_archive_enabled", "is_mixed_page_allocation_on",
                      "is_temporal_history_retention_enabled", "catalog_collation_type",
                      "catalog_collation_type_desc", "physical_database_name", "is_result_set_caching_on",
                      "is_accelerated_database_recovery_on", "is_tempdb_spill_to_remote_store",
                      "is_stale_page_detection_on", "is_memory_optimized_enabled", "is_ledger_on",
                      "is_change_feed_enabled", "is_data_lake_replication_enabled"},
    "sys.database_files": {"file_id", "file_guid", "type", "type_desc", "data_space_id", "name", "physical_name",
                           "state", "state_desc", "size", "max_size", "growth", "is_media_read_only",
                           "is_read_only", "is_sparse", "is_percent_growth", "is_name_reserved",
                           "is_persistent_log_buffer", "create_lsn", "drop_lsn", "read_only_lsn",
                           "read_write_lsn", "differential_base_lsn", "differential_base_guid",
                           "differential_base_time", "redo_start_lsn", "redo_start_fork_guid",
                           "redo_target_lsn", "redo_target_fork_guid", "backup_lsn"},
    "sys.configurations": {"configuration_id", "name", "value", "minimum", "maximum", "value_in_use",
                           "description", "is_dynamic", "is_advanced"},
    "sys.server_principals": {"name", "principal_id", "sid", "type", "type_desc", "is_disabled", "create_date",
                              "modify_date", "default_database_name", "default_language_name",
                              "credential_id", "owning_principal_id", "is_fixed_role"},
    "sys.sql_logins": {"name", "principal_id", "sid", "type", "type_desc", "is_disabled", "create_date",
                       "modify_date", "default_database_name", "default_language_name", "credential_id",
                       "is_policy_checked", "is_expiration_checked", "password_hash"},
    "sys.server_role_members": {"role_principal_id", "member_principal_id"},
    "sys.database_principals": {"name", "principal_id", "type", "type_desc", "default_schema_name",
                                "create_date", "modify_date", "owning_principal_id", "sid", "is_fixed_role",
                                "authentication_type", "authentication_type_desc", "default_language_name",
                                "default_language_lcid", "allow_encrypted_value_modifications"},
    "sys.database_role_members": {"role_principal_id", "member_principal_id"},
    "sys.database_permissions": {"class", "class_desc", "major_id", "minor_id", "grantee_principal_id",
                                 "grantor_principal_id", "type", "permission_name", "state", "state_desc"},
    "sys.assemblies": {"name", "principal_id", "assembly_id", "clr_name", "permission_set", "permission_set_desc",
                       "is_visible", "create_date", "modify_date", "is_user_defined"},
    "sys.database_query_store_options": {"desired_state", "desired_state_desc", "actual_state",
                                         "actual_state_desc", "readonly_reason", "current_storage_size_mb",
                                         "flush_interval_seconds", "interval_length_minutes",
                                         "max_storage_size_mb", "stale_query_threshold_days",
                                         "max_plans_per_query", "query_capture_mode", "query_capture_mode_desc",
                                         "size_based_cleanup_mode", "size_based_cleanup_mode_desc",
                                         "wait_stats_capture_mode", "wait_stats_capture_mode_desc",
                                         "actual_state_additional_info"},
    "sys.dm_db_index_usage_stats": {"database_id", "object_id", "index_id", "user_seeks", "user_scans",
                                    "user_lookups", "user_updates", "last_user_seek", "last_user_scan",
                                    "last_user_lookup", "last_user_update", "system_seeks", "system_scans",
                                    "system_lookups", "system_updates", "last_system_seek", "last_system_scan",
                                    "last_system_lookup", "last_system_update"},
    "sys.dm_db_partition_stats": {"partition_id", "object_id", "index_id", "partition_number",
                                  "in_row_data_page_count", "in_row_used_page_count",
                                  "in_row_reserved_page_count", "lob_used_page_count", "lob_reserved_page_count",
                                  "row_overflow_used_page_count", "row_overflow_reserved_page_count",
                                  "used_page_count", "reserved_page_count", "row_count", "distribution_id"},
    "sys.dm_db_missing_index_details": {"index_handle", "database_id", "object_id", "equality_columns",
                                        "inequality_columns", "included_columns", "statement"},
    "sys.dm_db_missing_index_groups": {"index_group_handle", "index_handle"},
    "sys.dm_db_missing_index_group_stats": {"group_handle", "unique_compiles", "user_seeks", "user_scans",
                                            "last_user_seek", "last_user_scan", "avg_total_user_cost",
                                            "avg_user_impact", "system_seeks", "system_scans",
                                            "last_system_seek", "last_system_scan", "avg_total_system_cost",
                                            "avg_system_impact"},
    "sys.dm_os_sys_info": {"cpu_ticks", "ms_ticks", "cpu_count", "hyperthread_ratio", "physical_memory_kb",
                           "virtual_memory_kb", "committed_kb", "committed_target_kb", "visible_target_kb",
                           "stack_size_in_bytes", "os_quantum", "os_error_mode", "os_priority_class",
                           "max_workers_count", "scheduler_count", "scheduler_total_count",
                           "deadlock_monitor_serial_number", "sqlserver_start_time_ms_ticks",
                           "sqlserver_start_time", "affinity_type", "affinity_type_desc", "process_kernel_time_ms",
                           "process_user_time_ms", "time_source", "time_source_desc", "virtual_machine_type",
                           "virtual_machine_type_desc", "softnuma_configuration", "softnuma_configuration_desc",
                           "numa_node_count", "socket_count", "cores_per_socket", "container_type",
                           "container_type_desc"},
    "sys.dm_exec_query_stats": {"sql_handle", "statement_start_offset", "statement_end_offset", "plan_generation_num",
                                "plan_handle", "creation_time", "last_execution_time", "execution_count",
                                "total_worker_time", "last_worker_time", "min_worker_time", "max_worker_time",
                                "total_physical_reads", "total_logical_writes", "total_logical_reads",
                                "last_logical_reads", "total_clr_time", "total_elapsed_time",
                                "last_elapsed_time", "min_elapsed_time", "max_elapsed_time", "query_hash",
                                "query_plan_hash", "total_rows", "last_rows", "min_rows", "max_rows",
                                "total_dop", "total_grant_kb", "total_spills"},
    "sys.dm_db_log_space_usage": {"database_id", "total_log_size_in_bytes", "used_log_space_in_bytes",
                                  "used_log_space_in_percent", "log_space_in_bytes_since_last_backup"},
    "sys.master_files": {"database_id", "file_id", "file_guid", "type", "type_desc", "data_space_id", "name",
                         "physical_name", "state", "state_desc", "size", "max_size", "growth", "is_media_read_only",
                         "is_read_only", "is_sparse", "is_percent_growth", "is_name_reserved",
                         "is_persistent_log_buffer", "create_lsn", "drop_lsn", "read_only_lsn", "read_write_lsn",
                         "differential_base_lsn", "differential_base_guid", "differential_base_time",
                         "redo_start_lsn", "redo_start_fork_guid", "redo_target_lsn", "redo_target_fork_guid",
                         "backup_lsn", "credential_id"},
    "sys.database_scoped_configurations": {"configuration_id", "name", "value", "value_for_secondary",
                                           "is_value_default"},
    "sys.server_triggers": {"name", "object_id", "parent_class", "parent_class_desc", "parent_id", "type",
                            "type_desc", "create_date", "modify_date", "is_ms_shipped", "is_disabled"},
    "sys.servers": {"server_id", "name", "product", "provider", "data_source", "location", "provider_string",
                    "catalog", "connect_timeout", "query_timeout", "is_linked", "is_remote_login_enabled",
                    "is_rpc_out_enabled", "is_data_access_enabled", "is_collation_compatible",
                    "uses_remote_collation", "collation_name", "lazy_schema_validation", "is_system",
                    "is_publisher", "is_subscriber", "is_distributor", "is_nonsql_subscriber",
                    "is_remote_proc_transaction_promotion_enabled", "modify_date", "is_rda_server"},
    # Table-valued functions (DMFs)
    "sys.dm_db_index_operational_stats": {
        "database_id", "object_id", "index_id", "partition_number", "hobt_id", "leaf_insert_count",
        "leaf_delete_count", "leaf_update_count", "leaf_ghost_count", "nonleaf_insert_count", "nonleaf_delete_count",
        "nonleaf_update_count", "leaf_allocation_count", "nonleaf_allocation_count", "leaf_page_merge_count",
        "nonleaf_page_merge_count", "range_scan_count", "singleton_lookup_count", "forwarded_fetch_count",
        "lob_fetch_in_pages", "lob_fetch_in_bytes", "lob_orphan_create_count", "lob_orphan_insert_count",
        "row_overflow_fetch_in_pages", "row_overflow_fetch_in_bytes", "column_value_push_off_row_count",
        "column_value_pull_in_row_count", "row_lock_count", "row_lock_wait_count", "row_lock_wait_in_ms",
        "page_lock_count", "page_lock_wait_count", "page_lock_wait_in_ms", "index_lock_promotion_attempt_count",
        "index_lock_promotion_count", "page_latch_wait_count", "page_latch_wait_in_ms", "page_io_latch_wait_count",
        "page_io_latch_wait_in_ms", "tree_page_latch_wait_count", "tree_page_latch_wait_in_ms",
        "tree_page_io_latch_wait_count", "tree_page_io_latch_wait_in_ms", "page_compression_attempt_count",
        "page_compression_success_count", "version_generated_inrow", "version_generated_offrow",
        "ghost_version_inrow", "ghost_version_offrow", "insert_over_ghost_version_inrow",
        "insert_over_ghost_version_offrow"},
    "sys.dm_exec_sql_text": {"dbid", "objectid", "number", "encrypted", "text"},
    "sys.dm_db_stats_properties": {"object_id", "stats_id", "last_updated", "rows", "rows_sampled", "steps",
                                   "unfiltered_rows", "modification_counter", "persisted_sample_percent"},
    "sys.dm_db_index_physical_stats": {"database_id", "object_id", "index_id", "partition_number", "index_type_desc",
                                       "alloc_unit_type_desc", "index_depth", "index_level",
                                       "avg_fragmentation_in_percent", "fragment_count",
                                       "avg_fragment_size_in_pages", "page_count", "avg_page_space_used_in_percent",
                                       "record_count", "ghost_record_count", "version_ghost_record_count",
                                       "min_record_size_in_bytes", "max_record_size_in_bytes",
                                       "avg_record_size_in_bytes", "forwarded_record_count", "compressed_page_count"},
    "sys.dm_db_log_info": {"database_id", "file_id", "vlf_begin_offset", "vlf_size_mb", "vlf_sequence_number",
                           "vlf_active", "vlf_status", "vlf_parity", "vlf_first_lsn", "vlf_create_lsn",
                           "vlf_encryptor_thumbprint"},
    "msdb.dbo.backupset": {"backup_set_id", "backup_set_uuid", "media_set_id", "name", "description", "type",
                           "database_name", "server_name", "machine_name", "backup_start_date",
                           "backup_finish_date", "first_lsn", "last_lsn", "checkpoint_lsn", "database_backup_lsn",
                           "recovery_model", "is_copy_only", "is_damaged", "backup_size",
                           "compressed_backup_size", "has_backup_checksums", "user_name"},
}
# Objects missing on Azure SQL Database (server-scoped or msdb): a check reading them must say `azure_sql: false`.
NOT_ON_AZURE_SQL_DB = {"msdb.dbo.backupset", "sys.server_principals", "sys.sql_logins", "sys.server_role_members",
                       "sys.master_files", "sys.server_triggers", "sys.servers"}
# Objects introduced after SQL Server 2008: the check's min_version must be at least this.
INTRODUCED_IN = {"sys.dm_db_log_info": "13.0.5026", "sys.database_query_store_options": "13.0",
                 "sys.dm_db_stats_properties": "10.50", "sys.dm_db_log_space_usage": "11.0",
                 "sys.database_scoped_configurations": "13.0"}

VOCABULARY = {"schema_name", "table_name", "index_name", "column_name", "constraint_name", "object_name",
              "object_type", "user_name", "setting_name", "setting_value", "severity"}
# Measurements and context the checks return next to the vocabulary (they land in `details`).
MEASUREMENTS = {"row_count", "referenced_table", "column_count", "duplicate_of", "is_unique", "covered_by",
                "column_type", "column_length", "referenced_column", "referenced_type", "referenced_length",
                "index_type", "user_updates", "size_mb", "stats_since", "equality_columns", "inequality_columns",
                "included_columns", "uses", "benefit", "type_name", "last_value", "max_value", "percent_used",
                "current_value", "maximum_value", "last_updated", "modification_counter", "server_level",
                "last_full_backup", "last_log_backup", "renamed", "is_disabled", "create_date", "clr_strict_security",
                "cpu_count", "physical_memory_mb", "execution_count", "total_cpu_ms", "avg_cpu_ms",
                "avg_duration_ms", "avg_logical_reads", "total_duration_ms", "key_bytes", "key_columns",
                "index_count", "readonly_reason", "current_storage_size_mb", "max_storage_size_mb", "vlf_count",
                "used_percent", "log_size_mb", "log_reuse_wait", "fragmentation_percent", "page_count",
                "definition", "allowed", "configured_value", "last_good_checkdb", "data_size_mb", "file_count",
                "file_name", "max_size_mb", "min_size_mb", "growth_settings", "product", "data_source",
                "is_rpc_out_enabled", "ansi_nulls", "quoted_identifier", "fill_factor", "empty_percent",
                "rows_sampled", "sample_percent", "forwarded_fetches", "deleted_rows", "lock_waits", "lock_wait_s",
                "included_columns", "used_mb", "on_delete", "on_update", "trigger_count", "trigger_names"}
LINT_COLUMNS = {"rule_id", "line", "snippet", "message", "lint_message", "lint_title", "lint_fix"}

SQLSERVER_CHECKS = [c for c in catalog.all_checks() if c.engine == "sqlserver"]
QUERY_CHECKS = [c for c in SQLSERVER_CHECKS if c.kind == "query"]
HANDLER_SQL = {"handler:STORED_CODE_SQL": mssql_handlers.STORED_CODE_SQL,
               "handler:CONTROL_SERVER_SQL": mssql_handlers.CONTROL_SERVER_SQL,
               "handler:WEAK_PASSWORD_SQL": mssql_handlers.WEAK_PASSWORD_SQL}
ALL_SQL = {**{c.id: catalog.sql_text(c) for c in QUERY_CHECKS}, **HANDLER_SQL}


def _parse(sql: str) -> exp.Expression:
    trees = sqlglot.parse(sql, read="tsql", error_level=ErrorLevel.RAISE)
    assert len(trees) == 1 and trees[0] is not None, "one statement per check"
    assert not isinstance(trees[0], exp.Command), "sqlglot fell back to an opaque command"
    return trees[0]


def _object_name(node: exp.Expression) -> str | None:
    """`sys.indexes`, `sys.dm_exec_sql_text` (as TVF or CROSS APPLY) or `msdb.dbo.backupset`, lower-cased."""
    if isinstance(node, exp.Table):
        name = node.this.name if isinstance(node.this, (exp.Identifier, exp.Anonymous)) else node.name
        parts = [p for p in (node.catalog, node.db, name) if p]
        return ".".join(parts).lower() if len(parts) > 1 else None
    if isinstance(node, exp.Lateral) and isinstance(node.this, exp.Dot):
        left, right = node.this.this, node.this.expression
        if isinstance(right, exp.Anonymous):
            return f"{left.name}.{right.name}".lower()
    return None


def _sources(tree: exp.Expression) -> dict[str, str]:
    """alias → documented object for every system object the query reads."""
    aliases: dict[str, str] = {}
    for node in tree.find_all(exp.Table, exp.Lateral):
        name = _object_name(node)
        if name is None or not name.startswith(("sys.", "msdb.")):
            continue
        alias = (node.alias or name.split(".")[-1]).lower()
        assert aliases.get(alias, name) == name, f"alias {alias} names two objects; use distinct aliases"
        aliases[alias] = name
    return aliases


def _output_columns(tree: exp.Expression) -> list[str]:
    select = tree
    while isinstance(select, exp.SetOperation):
        select = select.this
    assert isinstance(select, exp.Select)
    return [name.lower() for name in select.named_selects]


def _placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


@pytest.mark.parametrize("check_id", ALL_SQL)
def test_sql_parses_as_one_tsql_statement(check_id: str) -> None:
    _parse(ALL_SQL[check_id])


@pytest.mark.parametrize("check_id", ALL_SQL)
def test_every_system_object_is_documented(check_id: str) -> None:
    tree = _parse(ALL_SQL[check_id])
    used = set(_sources(tree).values())
    undocumented = used - set(DOCUMENTED)
    assert not undocumented, f"{check_id}: not in the documented list: {sorted(undocumented)}"
    if check_id.startswith("mssql-"):
        assert used or "DB_NAME" in ALL_SQL[check_id], f"{check_id} reads no catalog view"


@pytest.mark.parametrize("check_id", ALL_SQL)
def test_every_column_read_from_a_system_view_is_documented(check_id: str) -> None:
    tree = _parse(ALL_SQL[check_id])
    aliases = _sources(tree)
    wrong = []
    for column in tree.find_all(exp.Column):
        qualifier = column.table.lower()
        if qualifier in aliases and not isinstance(column.this, exp.Star):
            view = aliases[qualifier]
            if column.name.lower() not in DOCUMENTED[view]:
                wrong.append(f"{qualifier}.{column.name} ({view})")
    assert not wrong, f"{check_id}: undocumented columns {wrong}"


def test_column_checking_sees_the_columns() -> None:
    """Guards the guard: the alias resolution must actually reach most column references."""
    checked = 0
    for sql in ALL_SQL.values():
        tree = _parse(sql)
        aliases = _sources(tree)
        checked += sum(1 for c in tree.find_all(exp.Column) if c.table.lower() in aliases)
    assert checked > 300


def test_column_checking_catches_a_misspelled_column() -> None:
    tree = _parse("-- Finds x\nSELECT i.name AS index_name FROM sys.indexes AS i WHERE i.is_disable = 1")
    aliases = _sources(tree)
    bad = [c.name for c in tree.find_all(exp.Column)
           if c.table in aliases and c.name not in DOCUMENTED[aliases[c.table]]]
    assert bad == ["is_disable"]


@pytest.mark.parametrize("check", QUERY_CHECKS, ids=lambda c: c.id)
def test_output_columns_are_vocabulary_and_cover_the_templates(check) -> None:
    columns = set(_output_columns(_parse(catalog.sql_text(check))))
    assert columns <= VOCABULARY | MEASUREMENTS, f"{check.id}: unknown output columns {columns - VOCABULARY - MEASUREMENTS}"
    assert columns & (VOCABULARY - {"severity"}), f"{check.id}: returns no object column"
    for template in (check.message, check.recommendation, check.object):
        missing = _placeholders(template) - columns
        assert not missing, f"{check.id}: template uses {missing}, which the query does not return"


@pytest.mark.parametrize("check", QUERY_CHECKS, ids=lambda c: c.id)
def test_severity_column_values_are_known(check) -> None:
    tree = _parse(catalog.sql_text(check))
    for alias in tree.find_all(exp.Alias):
        if alias.alias.lower() == "severity":
            values = {lit.this for lit in alias.find_all(exp.Literal) if lit.is_string}
            assert values and values <= set(SEVERITIES), f"{check.id}: severity values {values}"


@pytest.mark.parametrize("check", SQLSERVER_CHECKS, ids=lambda c: c.id)
def test_azure_and_version_guards_match_the_objects_used(check) -> None:
    sql = catalog.sql_text(check) if check.kind == "query" else \
        mssql_handlers.WEAK_PASSWORD_SQL if check.handler == "mssql_weak_login_passwords" else \
        mssql_handlers.STORED_CODE_SQL
    used = set(_sources(_parse(sql)).values())
    if used & NOT_ON_AZURE_SQL_DB:
        assert check.azure_sql is False, f"{check.id} reads {used & NOT_ON_AZURE_SQL_DB}: set azure_sql: false"
    for obj, version in INTRODUCED_IN.items():
        if obj in used:
            assert check.min_version and catalog.version_tuple(check.min_version) >= catalog.version_tuple(version), \
                f"{check.id} reads {obj}: min_version must be at least {version}"
    if check.id in ("mssql-index-fragmentation", "mssql-stale-statistics"):
        assert check.expensive


def test_usage_based_checks_say_since_when() -> None:
    for check in QUERY_CHECKS:
        if check.usage_based:
            assert "stats_since" in _output_columns(_parse(catalog.sql_text(check))), check.id
            assert "{stats_since}" in check.message, check.id


def _batches(script: str) -> list[str]:
    return [b for b in re.split(r"^\s*GO\s*$", script, flags=re.M | re.I) if b.strip()]


FIXTURE_FILES = sorted((FIXTURES / "sqlserver").glob("*.yml"))


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.stem)
def test_fixture_is_complete_and_its_tsql_parses(path: Path) -> None:
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    assert path.stem in {c.id for c in SQLSERVER_CHECKS}, f"{path.name} names no check"
    assert data.get("why") and data.get("fails") and data.get("passes") and data.get("expect"), path.name
    assert data.get("not_live") == "SQL Server cannot run on the build machine"
    assert all(isinstance(e, str) for e in data["expect"]), \
        f"{path.name}: expect items must be strings (quote '{{...}}')"
    for key in ("setup", "fails", "passes", "teardown"):
        for batch in _batches(data.get(key) or ""):
            for statement in split_sql(batch):
                try:
                    sqlglot.parse(statement, read="tsql", error_level=ErrorLevel.RAISE)
                except sqlglot.errors.ParseError:
                    # statements sqlglot does not model are still tokenized (quotes, brackets) and must be one of
                    # the known administrative commands
                    Dialect.get_or_raise("tsql").tokenize(statement)
                    assert any(re.match(p, statement.strip(), re.I) for p in UNMODELLED_COMMANDS), \
                        f"{path.name}: sqlglot cannot parse {statement!r}"


# Valid T-SQL that sqlglot 30 does not model; anything else in a fixture must parse.
UNMODELLED_COMMANDS = (r"(DISABLE|ENABLE) TRIGGER [\w.]+ ON ([\w.]+|ALL SERVER)$", r"DBCC CHECKDB( WITH NO_INFOMSGS)?$",
                       r"BACKUP (DATABASE|LOG) @\w+ TO DISK = N'\w+'$",
                       r"RECONFIGURE$",
                       # the Tuning Advisor's (undocumented) way of creating a hypothetical index
                       r"CREATE INDEX \w+ ON [\w.]+ \([\w, ]+\) WITH STATISTICS_ONLY = -1$")


class _StubSession:
    """Stands in for a SQL Server connection (none can run here): answers the handler's queries with rows shaped
    like sys.sql_modules / HAS_PERMS_BY_NAME results."""

    engine = "sqlserver"
    statement_timeout_s = 30

    def __init__(self, answers: dict[str, list[dict[str, Any]]]) -> None:
        self.answers = answers
        self.server = ServerInfo("sqlserver", "sqlserver", "16.0.4135.4", "shop")
        self.conn = self

    def query(self, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
        return self.answers[sql]

    def rollback(self) -> None:
        pass


def test_stored_code_lint_check_turns_module_definitions_into_findings() -> None:
    check = catalog.by_id()["mssql-stored-code-lint"]
    rows = [{"schema_name": "dbo", "object_name": "get_open_orders", "object_type": "PROCEDURE",
             "definition": "CREATE PROCEDURE dbo.get_open_orders\nAS\nSELECT * FROM dbo.orders WITH (NOLOCK)\n"
                           "WHERE status = NULL"},
            {"schema_name": "dbo", "object_name": "v_clean", "object_type": "VIEW",
             "definition": "CREATE VIEW dbo.v_clean AS SELECT id FROM dbo.orders WHERE status IS NULL"},
            {"schema_name": "dbo", "object_name": "secret", "object_type": "PROCEDURE", "definition": None}]
    outcome = runner.run_check(_StubSession({mssql_handlers.STORED_CODE_SQL: rows}), check)
    assert outcome.skipped is None
    got = sorted((f.object, f.details["rule_id"], f.severity) for f in outcome.findings)
    assert got == [("dbo.get_open_orders:3", "nolock-hint", "medium"),
                   ("dbo.get_open_orders:3", "select-star", "low"),
                   ("dbo.get_open_orders:4", "null-comparison", "high")]
    null_finding = [f for f in outcome.findings if f.details["rule_id"] == "null-comparison"][0]
    assert null_finding.message.startswith("PROCEDURE dbo.get_open_orders line 4: Comparison with NULL")
    assert "IS NULL" in null_finding.recommendation


def test_weak_password_check_is_skipped_with_a_reason_without_control_server() -> None:
    check = catalog.by_id()["mssql-login-weak-password"]
    session = _StubSession({mssql_handlers.CONTROL_SERVER_SQL: [{"allowed": 0}]})
    outcome = runner.run_check(session, check)
    assert outcome.findings == [] and outcome.skipped and outcome.skipped.startswith("permission denied")
    assert "CONTROL SERVER" in outcome.skipped


def test_weak_password_check_reports_logins_when_allowed() -> None:
    check = catalog.by_id()["mssql-login-weak-password"]
    session = _StubSession({mssql_handlers.CONTROL_SERVER_SQL: [{"allowed": 1}],
                            mssql_handlers.WEAK_PASSWORD_SQL: [{"user_name": "app", "setting_value": "a blank password",
                                                                "is_disabled": False}]})
    (finding,) = runner.run_check(session, check).findings
    assert finding.object == "app" and finding.severity == "critical" and "blank password" in finding.message


def test_azure_sql_database_skips_checks_it_cannot_run() -> None:
    check = catalog.by_id()["mssql-full-backup-missing"]
    session = _StubSession({})
    session.server = ServerInfo("sqlserver", "azure-sql", "12.0.2000.8", "shop")
    assert runner.run_check(session, check).skipped == "not available on Azure SQL Database"


def test_findings_render_from_a_documented_row_shape() -> None:
    """A row shaped as the unused-index query returns renders every template without a '?' gap."""
    check = catalog.by_id()["mssql-unused-index"]
    (finding,) = rows_to_findings(check, [{"schema_name": "dbo", "table_name": "orders", "index_name": "ix_status",
                                           "user_updates": 42, "size_mb": 3, "stats_since": "2026-01-01T00:00:00"}])
    assert finding.object == "dbo.orders.ix_status" and "?" not in finding.message
    assert "since 2026-01-01" in finding.message


@pytest.mark.parametrize("check", SQLSERVER_CHECKS, ids=lambda c: c.id)
def test_every_check_names_its_outside_source(check) -> None:
    """The catalog says which sp_Blitz / sp_BlitzIndex / Assessment API item a check follows (or that none does)."""
    assert re.match(r"(sp_Blitz|sp_BlitzIndex|sp_BlitzCache|SQL Assessment API|Assessment API|Azure SQL|none \()",
                    check.source), f"{check.id}: source {check.source!r}"
