"""Walks the whole catalog: every check is well-formed and has its SQL, its fixture and its docs link."""
from __future__ import annotations

import pytest

from shared.analyzer import catalog
from shared.analyzer.model import ANALYSIS_TYPES
from tests.analyzer.check_cases import FIXTURES

MINIMUM_CHECKS = {"sqlserver": 110, "postgresql": 70, "mysql": 49, "sqlite": 16}


def test_catalog_loads_and_ids_are_unique() -> None:
    checks = catalog.all_checks()
    assert len({c.id for c in checks}) == len(checks)


@pytest.mark.parametrize("engine,minimum", MINIMUM_CHECKS.items())
def test_engine_has_at_least_the_promised_number_of_checks(engine: str, minimum: int) -> None:
    assert len([c for c in catalog.all_checks() if c.engine == engine]) >= minimum


@pytest.mark.parametrize("check", catalog.all_checks(), ids=lambda c: c.id)
def test_every_check_has_sql_fixture_and_docs(check) -> None:
    if check.kind == "query":
        sql = catalog.sql_text(check)
        assert sql.lstrip().startswith("-- Finds"), f"{check.id}: SQL must open with a '-- Finds ...' comment"
        assert not sql.rstrip().endswith(";"), f"{check.id}: no trailing semicolon"
    assert check.docs.startswith("https://"), check.id
    assert (FIXTURES / check.engine / f"{check.id}.yml").exists(), f"{check.id}: missing fixture"


@pytest.mark.parametrize("analysis_type", ANALYSIS_TYPES)
def test_every_analysis_type_selects_checks_for_every_engine(analysis_type: str) -> None:
    for engine in MINIMUM_CHECKS:
        assert catalog.select(engine, analysis_type), (engine, analysis_type)


# pg-index-health's diagnostics (one SQL file each in mfvanek/pg-index-health-sql, sql/ and sql/ext/): every one has
# an equivalent PostgreSQL check that names it as its source.
PG_INDEX_HEALTH = {
    "BLOATED_INDEXES", "BLOATED_TABLES", "BTREE_INDEXES_ON_ARRAY_COLUMNS",
    "COLUMNS_NOT_FOLLOWING_NAMING_CONVENTION", "COLUMNS_WITHOUT_DESCRIPTION", "COLUMNS_WITH_BLOB_TYPE",
    "COLUMNS_WITH_CHAR_TYPE", "COLUMNS_WITH_FIXED_LENGTH_VARCHAR", "COLUMNS_WITH_INCONSISTENT_TYPES",
    "COLUMNS_WITH_JSON_TYPE", "COLUMNS_WITH_MONEY_TYPE", "COLUMNS_WITH_SERIAL_TYPES",
    "COLUMNS_WITH_TIMESTAMP_OR_TIMETZ_TYPE", "DUPLICATED_FOREIGN_KEYS", "DUPLICATED_INDEXES",
    "FOREIGN_KEYS_WITHOUT_INDEX", "FOREIGN_KEYS_WITH_NULL_VALUES", "FOREIGN_KEYS_WITH_UNMATCHED_COLUMN_TYPE",
    "FUNCTIONS_WITHOUT_DESCRIPTION", "INDEXES_WITH_BOOLEAN", "INDEXES_WITH_NULL_VALUES",
    "INDEXES_WITH_TIMESTAMP_IN_THE_MIDDLE", "INDEXES_WITH_UNNECESSARY_WHERE_CLAUSE", "INTERSECTED_FOREIGN_KEYS",
    "INTERSECTED_INDEXES", "INVALID_INDEXES", "NOT_VALID_CONSTRAINTS", "OBJECTS_NOT_FOLLOWING_NAMING_CONVENTION",
    "POSSIBLE_OBJECT_NAME_OVERFLOW", "PRIMARY_KEYS_THAT_MOST_LIKELY_NATURAL_KEYS", "PRIMARY_KEYS_WITH_SERIAL_TYPES",
    "PRIMARY_KEYS_WITH_VARCHAR", "SELF_REFERENCED_FOREIGN_KEYS", "SEQUENCE_OVERFLOW",
    "SLOWEST_QUERIES_BY_TOTAL_EXECUTION_TIME", "TABLES_NOT_LINKED_TO_OTHERS",
    "TABLES_WHERE_ALL_COLUMNS_NULLABLE_EXCEPT_PK", "TABLES_WHERE_PRIMARY_KEY_COLUMNS_NOT_FIRST",
    "TABLES_WITHOUT_DESCRIPTION", "TABLES_WITHOUT_PRIMARY_KEY", "TABLES_WITH_INCREMENTING_COLUMNS",
    "TABLES_WITH_INHERITANCE", "TABLES_WITH_MISSING_INDEXES", "TABLES_WITH_NO_DATA",
    "TABLES_WITH_ZERO_OR_ONE_COLUMN", "UNUSED_INDEXES"
}


def test_every_pg_index_health_diagnostic_has_an_equivalent_check() -> None:
    sources = {c.source.removeprefix("pg-index-health ") for c in catalog.all_checks()
               if c.engine == "postgresql" and c.source.startswith("pg-index-health ")}
    assert PG_INDEX_HEALTH - sources == set()
