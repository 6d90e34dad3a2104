"""Issue 12, scale x10: what keeps the host's memory bounded, held as states (the figures are the benchmark's).

- A job's checks are encoded to their stored JSON as rows are mapped: what is stored is exactly what the findings
  encode to, and the batch keeps no findings.
- A large report is stored packed, and every reader gets the same JSON text back.
"""
from __future__ import annotations

import io
import json
from dataclasses import asdict
from pathlib import Path

import pytest

from shared.analyzer import catalog, jobs, packing
from shared.analyzer.model import CheckOutcome, Finding, compact_json, encode_findings
from shared.analyzer.models import AnalysisOptions
from shared.analyzer.report import build_report, write_report
from shared.analyzer.requests import parse_start_request
from shared.analyzer.runner import run_check, run_checks
from shared.analyzer.session import AnalysisSession
from shared.api.encoding import accepts_gzip
from shared.api.problems import Problem
from shared.storage.db import Database

_PG = "Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=5432;Database=postgres;Uid=postgres;Pwd=;"


def test_driver_fetch_options_are_not_accepted_from_callers() -> None:
    """psqlODBC's `UseDeclareFetch` / `Fetch` change how much the driver buffers and how many round trips a check
    costs (measured for issue 12: a cursor saved ~7 MB on the largest check and cost ~20 % of the floor's time, so
    the analyzer does not use it); a caller cannot set them either: not on the allow-list, a 400 naming them."""
    for keyword in ("UseDeclareFetch=1", "Fetch=1"):
        with pytest.raises(Problem) as refused:
            parse_start_request({"connectionString": _PG + keyword + ";"})
        assert refused.value.status == 400
        assert f"the keyword {keyword.split('=')[0]} is not allowed" in refused.value.detail


def test_a_job_stores_exactly_what_its_findings_encode_to_and_keeps_none(tmp_path: Path) -> None:
    """The batch path (encode while mapping) against the plain path (a list of findings) on the bundled sample:
    same findings, same stored text; the outcomes the batch keeps hold no findings and no text."""
    conn = "Driver={SQLite3};Database=samples/shop.db;"
    checks = [c for c in catalog.all_checks() if c.engine == "sqlite"]
    with AnalysisSession(conn) as session:
        plain = {c.id: run_check(session, c) for c in checks}
    stored: dict[str, tuple[str, int]] = {}

    def open_session() -> AnalysisSession:
        session = AnalysisSession(conn)
        session.open()
        return session

    def keep(outcome: CheckOutcome) -> None:
        assert outcome.findings == [] and outcome.findings_json is not None or outcome.skipped
        stored[outcome.check_id] = (outcome.stored_findings_json(), outcome.count)

    run = run_checks(open_session, checks, on_outcome=keep)
    assert run.findings == sum(len(o.findings) for o in plain.values()) > 0
    for check in checks:
        text, count = stored[check.id]
        assert json.loads(text) == [f.to_json() for f in plain[check.id].findings]
        assert text == encode_findings(plain[check.id].findings)[0] and count == len(plain[check.id].findings)
    assert all(o.findings == [] and o.findings_json is None for o in run.outcomes)


@pytest.mark.parametrize("n", [0, 1, 255, 256, 257, 1000])
def test_encoding_in_chunks_gives_the_one_json_array(n: int) -> None:
    findings = [Finding("c", "schema", "low", f"o{i}", "m", "r", {"i": i, "when": "x"}) for i in range(n)]
    text, count = encode_findings(iter(findings), chunk=256)
    assert count == n and text == "[" + ",".join(compact_json(f.to_json()) for f in findings) + "]"


def test_a_large_report_is_stored_packed_and_read_back_as_the_same_text(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Above `PLAIN_UP_TO` the stored report is `zlib:` + base64; `get_report_text` returns the JSON text the
    in-memory build encodes to (byte for byte), with big checks read alone (budget) and small ones paged."""
    monkeypatch.setattr(packing, "PLAIN_UP_TO", 2000)
    db = Database(f"sqlite:///{tmp_path}/app.db")
    job_id = jobs.new_job_id()
    jobs.create_job(db, job_id, analysis_type="quick", engine="sqlite", target="samples/shop.db",
                    options=AnalysisOptions(), source="http", secret_ref="s", connection_name=None)
    jobs.mark_running(db, job_id, checks_total=3, server={"engine": "sqlite"})
    outcomes = [CheckOutcome(f"check-{c}", [Finding(f"check-{c}", "schema", ("low", "high")[i % 2], f"o{(i * 7) % 50}",
                                                    "m", "r", {"i": i}) for i in range(size)])
                for c, size in enumerate([3, 400, 2])]
    for outcome in outcomes:
        jobs.record_outcomes(db, job_id, [outcome])
    job = jobs.get_job(db, job_id)
    assert job is not None
    heads = jobs.outcome_heads(db, job_id)
    pages: list[tuple[object, ...]] = []
    query = db.query

    def recording(sql: str, params: tuple[object, ...] = ()) -> list[dict[str, object]]:
        if "findings_json FROM" in sql:
            pages.append(tuple(params[1:]))
        return query(sql, params)

    db.query = recording  # type: ignore[method-assign]
    written = write_report(asdict(job), {"engine": "sqlite"}, heads,
                           lambda ids: jobs.iter_findings_json(db, job_id, ids, budget=100), "2026-12-05T00:00:00Z")
    expected = build_report(asdict(job), {"engine": "sqlite"}, jobs.outcomes(db, job_id), "2026-12-05T00:00:00Z")
    assert pages == [("check-0",), ("check-1",), ("check-2",)]  # 3 + 400 > 100: the big check is read alone
    db.query = query  # type: ignore[method-assign]
    assert written.stored.startswith(packing.PREFIX) and len(written.stored) < len(written.text) / 3
    assert written.text == compact_json(expected)
    jobs.save_report_text(db, job_id, written.stored, score=written.score, findings=written.findings)
    assert jobs.get_report_text(db, job_id) == compact_json(expected)
    assert jobs.get_report(db, job_id) == expected
    assert packing.unpack(packing.pack(io.StringIO("{}"))) == "{}"  # small documents stay plain


@pytest.mark.parametrize(("header", "gzip"), [
    (None, False), ("", False), ("gzip", True), ("gzip, deflate, br", True), ("deflate", False),
    ("gzip;q=0", False), ("*", True), ("*;q=0.5, gzip;q=0", False), ("identity", False), ("x-gzip", True),
    ("GZIP;Q=0.8", True), ("gzip;q=bad", False),
])
def test_gzip_is_sent_only_to_clients_that_accept_it(header: str | None, gzip: bool) -> None:
    assert accepts_gzip(header) is gzip


def test_the_allocator_knobs_exist_where_the_workers_run() -> None:
    """Azure Functions' Python workers run on Linux with glibc, as here: both knobs must take effect, not silently
    fall back to the no-op meant for other C libraries."""
    from shared import memory

    assert memory.return_large_blocks_to_the_os()
    memory.release_free_memory()
