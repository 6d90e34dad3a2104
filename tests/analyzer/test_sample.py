"""The bundled demo database `samples/shop.db`: every SQLite check runs on it, finds exactly the planted defects
(listed here with the check that must find each), and none fails or is skipped."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from shared.analyzer import catalog, runner
from shared.analyzer.model import CheckOutcome
from shared.analyzer.session import AnalysisSession

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SAMPLE_DB = SAMPLES / "shop.db"

# (check id, substring of the finding's object): the defects planted in samples/shop.sql ("DEFECT" comments).
PLANTED = [
    ("sqlite-table-without-primary-key", "main.audit_log"),
    ("sqlite-primary-key-not-rowid", "main.products.id"),
    ("sqlite-column-affinity-surprise", "main.products.sku"),
    ("sqlite-autoincrement", "main.orders"),
    ("sqlite-foreign-key-without-index", "order_items(product_id)"),
    ("sqlite-foreign-key-violations", "order_items -> orders"),
    ("sqlite-duplicate-index", "customers.customers_email_idx"),
    ("sqlite-redundant-index", "orders.orders_customer_idx"),
    ("sqlite-never-analyzed", "sqlite_stat1"),
    ("sqlite-stored-code-lint", "main.open_orders:"),
    ("sqlite-stored-code-lint", "main.orders_audit_unship:"),
]
# Reported as well, by design of a default SQLite file: informational and low-severity settings findings.
EXPECTED_NOTES = {"sqlite-foreign-keys-off", "sqlite-journal-mode", "sqlite-non-strict-tables"}


@pytest.fixture(scope="module")
def outcomes() -> dict[str, CheckOutcome]:
    """Every SQLite check, run in one analysis session on the committed sample (read-only, as in production)."""
    before = SAMPLE_DB.read_bytes()
    checks = [c for c in catalog.all_checks() if c.engine == "sqlite"]
    with AnalysisSession(f"Driver={{SQLite3}};Database={SAMPLE_DB}") as session:
        results = {c.id: runner.run_check(session, c) for c in checks}
    assert SAMPLE_DB.read_bytes() == before, "analysing the sample must not change it"
    return results


def test_no_sqlite_check_fails_or_is_skipped_on_the_sample(outcomes: dict[str, CheckOutcome]) -> None:
    skipped = {cid: o.skipped for cid, o in outcomes.items() if o.skipped}
    assert not skipped


@pytest.mark.parametrize("check_id,obj", PLANTED, ids=[f"{c}:{o}" for c, o in PLANTED])
def test_planted_defect_is_found(outcomes: dict[str, CheckOutcome], check_id: str, obj: str) -> None:
    objects = [f.object for f in outcomes[check_id].findings]
    assert any(obj in o for o in objects), f"{check_id} did not report {obj!r}; it reported {objects}"


def test_only_planted_defects_and_expected_notes_are_reported(outcomes: dict[str, CheckOutcome]) -> None:
    """Checks for defects that were not planted (quick_check, freelist, invalid FK targets) stay silent, and each
    planted check reports only the planted objects: no false positives on a realistic schema."""
    planted = {(c, o) for c, o in PLANTED}
    unexpected = []
    for check_id, outcome in outcomes.items():
        if check_id in EXPECTED_NOTES:
            assert len(outcome.findings) == 1, (check_id, [f.object for f in outcome.findings])
            continue
        for finding in outcome.findings:
            if not any(c == check_id and o in finding.object for c, o in planted):
                unexpected.append((check_id, finding.object))
    assert not unexpected


def test_committed_sample_matches_a_fresh_build(tmp_path: Path) -> None:
    """shop.db is rebuilt from shop.sql by build_sample.py: the committed file must be that build (same content),
    and two builds must be byte-identical (deterministic)."""
    from samples.build_sample import build

    first, second = build(tmp_path / "a.db"), build(tmp_path / "b.db")
    assert first.read_bytes() == second.read_bytes()

    def dump(path: Path) -> list[str]:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            return list(conn.iterdump())

    assert dump(SAMPLE_DB) == dump(first), "samples/shop.db is stale: run python samples/build_sample.py"
