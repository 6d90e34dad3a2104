"""The diff of two reports: matched by check id + object, never by message text; scores before and after."""
from __future__ import annotations

from typing import Any

from shared.analyzer.history import diff_reports


def finding(check: str, obj: str, severity: str = "high", message: str = "m") -> dict[str, Any]:
    return {"checkId": check, "object": obj, "severity": severity, "message": message}


def report(job: str, score: int, *findings: dict[str, Any]) -> dict[str, Any]:
    return {"jobId": job, "score": score, "findings": list(findings)}


def test_new_resolved_unchanged_by_check_and_object() -> None:
    before = report("a", 80, finding("pg-bloat", "public.t", message="42 % bloat"), finding("pg-unused", "ix_a"))
    after = report("b", 61, finding("pg-bloat", "public.t", message="57 % bloat"),
                   finding("pg-md5", "alice", "critical"), finding("pg-unused", "ix_b", "low"))
    diff = diff_reports(after, before)
    assert [(f["checkId"], f["object"]) for f in diff.new] == [("pg-md5", "alice"), ("pg-unused", "ix_b")]
    assert [(f["checkId"], f["object"]) for f in diff.resolved] == [("pg-unused", "ix_a")]
    assert [f["message"] for f in diff.unchanged] == ["57 % bloat"]  # the wording moved; the finding did not
    assert diff.score_drop == 19 and [f["object"] for f in diff.new_with_severity("critical")] == ["alice"]
    body = diff.to_json()
    assert body["previousJobId"] == "a" and body["score"] == {"before": 80, "after": 61}
    assert body["counts"] == {"new": 2, "resolved": 1, "unchanged": 1}


def test_without_a_previous_analysis_everything_is_new_and_no_score_drop() -> None:
    diff = diff_reports(report("b", 50, finding("x", "y")), None)
    assert diff.previous_job_id is None and len(diff.new) == 1 and diff.score_drop == 0 and diff.score_before is None
