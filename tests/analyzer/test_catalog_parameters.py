"""Check parameters: thresholds live in the catalog entry and are written over the `/*:name*/` defaults in the SQL.

Live on PostgreSQL: the same bloated index is reported at the default threshold and not when the catalog value is
raised above its bloat, which proves the value reaches the query (not just the text).
"""
from __future__ import annotations

import pytest

from shared.analyzer import catalog
from tests.analyzer.check_cases import prepare, run, throwaway_database


def test_every_marker_has_a_catalog_value_and_back() -> None:
    for check in catalog.all_checks():
        if check.kind == "query":
            assert set(catalog.sql_parameters(catalog.sql_text(check))) == {n for n, _ in check.parameters}, check.id


def test_catalog_values_replace_the_defaults_and_overrides_replace_those() -> None:
    check = catalog.by_id()["pg-sequence-near-overflow"]
    assert dict(check.parameters) == {"percent_used": 75.0, "critical_percent": 90.0}
    assert "/*:percent_used*/ 75 " in catalog.sql_text(check)
    assert "/*:percent_used*/ 60 " in catalog.sql_text(check, {"percent_used": 60})
    assert "/*:percent_used*/ 62.5 " in catalog.sql_text(check, {"percent_used": 62.5})


@pytest.mark.parametrize("bad", ["1; DROP TABLE x", True, None, "40"])
def test_only_numbers_reach_the_sql(bad: object) -> None:
    check = catalog.by_id()["pg-sequence-near-overflow"]
    with pytest.raises(catalog.CatalogError, match="must be a number"):
        catalog.sql_text(check, {"percent_used": bad})  # type: ignore[dict-item]


def test_a_marker_without_a_catalog_value_is_rejected(tmp_path, monkeypatch) -> None:
    (tmp_path / "postgresql.yaml").write_text(
        "- id: pg-unused-index\n  title: t\n  category: indexes\n  severity: low\n  description: d\n"
        "  message: m\n  recommendation: r\n  docs: https://example.org\n")
    monkeypatch.setattr(catalog, "CATALOG_DIR", tmp_path)
    with pytest.raises(catalog.CatalogError, match="max_scans"):
        catalog._load_engine("postgresql")


def test_a_raised_threshold_clears_a_live_finding() -> None:
    with throwaway_database("postgresql") as conn_str:
        prepare(conn_str, """CREATE TABLE readings (id int PRIMARY KEY, sensor int NOT NULL);
INSERT INTO readings SELECT g, g % 97 FROM generate_series(1, 5000) g;
CREATE INDEX readings_sensor_id ON readings (sensor, id);
DELETE FROM readings WHERE id % 10 <> 0;
VACUUM ANALYZE readings;""")
        found = run(conn_str, "pg-bloated-index", parameters={"min_pages": 8})
        assert "public.readings.readings_sensor_id" in [f.object for f in found.findings]
        bloat = next(f.details["bloat_percent"] for f in found.findings if f.object.endswith("readings_sensor_id"))
        cleared = run(conn_str, "pg-bloated-index", parameters={"min_pages": 8, "bloat_percent": bloat + 1})
        assert "public.readings.readings_sensor_id" not in [f.object for f in cleared.findings]
