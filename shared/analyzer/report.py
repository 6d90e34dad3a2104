"""The report: findings of every check aggregated, ordered by priority, summarised by severity and scored.

Score (0-100, higher is healthier): every check that found something multiplies the score by (1 - weight), the
weight set by the worst severity it found and growing slightly with the number of findings (+25 % per extra
finding, at most doubled), so a database with one critical problem never scores like one with a hundred low ones,
and the score can never go below zero. `info` findings cost nothing.

A report is PARTIAL when checks were lost to connection errors (the batch re-ran them on new sessions and the
connection kept dropping): the score then covers only the checks that ran, so it is flagged (`partial`,
`partialReason`) wherever the score is shown, never passed off as the whole picture.
"""
from __future__ import annotations

from typing import Any

from shared.analyzer import catalog
from shared.analyzer.model import SEVERITIES, CheckOutcome, Finding

SEVERITY_WEIGHTS: dict[str, float] = {"critical": 0.25, "high": 0.12, "medium": 0.05, "low": 0.015, "info": 0.0}


def score(outcomes: list[CheckOutcome]) -> int:
    value = 1.0
    for outcome in outcomes:
        if not outcome.findings:
            continue
        worst = max(outcome.findings, key=lambda f: SEVERITIES[f.severity]).severity
        weight = SEVERITY_WEIGHTS[worst] * min(2.0, 1.0 + 0.25 * (len(outcome.findings) - 1))
        value *= max(0.0, 1.0 - weight)
    return max(0, min(100, round(value * 100)))


def summary(findings: list[Finding]) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        counts[finding.severity] += 1
    return counts


def partial_reason_for(outcomes: list[CheckOutcome], reconnects: int = 0) -> str | None:
    """Why a job's results are incomplete, or None: the checks lost to connection errors, named."""
    lost = sorted(o.check_id for o in outcomes if o.connection_lost)
    if not lost:
        return None
    names = ", ".join(lost[:10]) + (f" and {len(lost) - 10} more" if len(lost) > 10 else "")
    retried = f" after {reconnects} new session(s)" if reconnects else ""
    return (f"{len(lost)} of {len(outcomes)} checks did not run: the connection to the target was lost{retried} "
            f"({names}); the score covers only the checks that ran")


def build_report(job: dict[str, Any], server: dict[str, Any], outcomes: list[CheckOutcome],
                 completed_at: str, *, partial_reason: str | None = None) -> dict[str, Any]:
    """The report resource (the shape of the issue, plus a few fields that make it self-explanatory)."""
    checks = catalog.by_id()
    stats_since = server.get("statsSince")
    findings: list[Finding] = []
    for outcome in outcomes:
        check = checks.get(outcome.check_id)
        for finding in outcome.findings:
            if check is not None and check.usage_based and stats_since:
                finding.details.setdefault("statisticsSince", stats_since)
            findings.append(finding)
    findings.sort(key=lambda f: (-SEVERITIES[f.severity], f.check_id, f.object))
    skipped = sorted(({"checkId": o.check_id, "reason": o.skipped} for o in outcomes if o.skipped),
                     key=lambda s: s["checkId"])
    return {
        "jobId": job["job_id"],
        "engine": server.get("engine") or job["engine"],
        "flavor": server.get("flavor"),
        "serverVersion": server.get("version"),
        "database": server.get("database"),
        "target": job["target"],
        "analysisType": job["analysis_type"],
        "startedAt": job["started_at"] or job["created_at"],
        "completedAt": completed_at,
        "statisticsSince": stats_since,
        "objectCount": server.get("objectCount"),
        "checksRun": sum(1 for o in outcomes if not o.skipped),
        "score": score(outcomes),
        "partial": partial_reason is not None,
        "partialReason": partial_reason,
        "checksLost": sum(1 for o in outcomes if o.connection_lost),
        "summary": summary(findings),
        "findings": [f.to_json() for f in findings],
        "skipped": skipped,
    }


def rules_for(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Catalog entries of the checks a report mentions (for SARIF rules and the HTML legend)."""
    checks = catalog.by_id()
    ids = sorted({f["checkId"] for f in report["findings"]})
    return [checks[i].to_catalog_json() | {"id": i} for i in ids if i in checks]
