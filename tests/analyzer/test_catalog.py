"""Walks the whole catalog: every check is well-formed and has its SQL, its fixture and its docs link."""
from __future__ import annotations

import pytest

from shared.analyzer import catalog
from shared.analyzer.model import ANALYSIS_TYPES
from tests.analyzer.check_cases import FIXTURES

MINIMUM_CHECKS = {"sqlserver": 110, "postgresql": 70, "mysql": 45, "sqlite": 16}


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
