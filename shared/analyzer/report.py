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

import json
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from shared.analyzer import catalog, packing
from shared.analyzer.model import SEVERITIES, CheckOutcome, Finding
from shared.analyzer.model import compact_json as _compact

SEVERITY_WEIGHTS: dict[str, float] = {"critical": 0.25, "high": 0.12, "medium": 0.05, "low": 0.015, "info": 0.0}
_BY_RANK = {rank: severity for severity, rank in SEVERITIES.items()}
_SEVERITY_NAME = {severity: severity for severity in SEVERITIES}  # one shared string per severity, not one per finding


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


def _head(job: dict[str, Any], server: dict[str, Any], outcomes: list[CheckOutcome], completed_at: str,
          value: int, partial_reason: str | None, counts: dict[str, int]) -> dict[str, Any]:
    """Every field of the report before `findings`, in the resource's order."""
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
        "statisticsSince": server.get("statsSince"),
        "objectCount": server.get("objectCount"),
        "checksRun": sum(1 for o in outcomes if not o.skipped),
        "score": value,
        "partial": partial_reason is not None,
        "partialReason": partial_reason,
        "checksLost": sum(1 for o in outcomes if o.connection_lost),
        "summary": counts,
    }


def _skipped(outcomes: list[CheckOutcome]) -> list[dict[str, Any]]:
    return sorted(({"checkId": o.check_id, "reason": o.skipped} for o in outcomes if o.skipped),
                  key=lambda s: s["checkId"])


def build_report(job: dict[str, Any], server: dict[str, Any], outcomes: list[CheckOutcome],
                 completed_at: str, *, partial_reason: str | None = None) -> dict[str, Any]:
    """The report resource (the shape of the issue, plus a few fields that make it self-explanatory), from
    outcomes in memory; `write_report` builds the same document streaming, for jobs of any size."""
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
    return {**_head(job, server, outcomes, completed_at, score(outcomes), partial_reason, summary(findings)),
            "findings": [f.to_json() for f in findings], "skipped": _skipped(outcomes)}


@dataclass(frozen=True)
class WrittenReport:
    """A report serialised by `write_report`: its stored form (`packing.pack`: the JSON text, compressed when
    large) and the two figures the job's result shows."""

    stored: str
    findings: int
    score: int

    @property
    def text(self) -> str:
        """The report's JSON text (unpacked: as large as the report; for tests and small reports)."""
        return packing.unpack(self.stored)


_DECODER = json.JSONDecoder()


def _array_items(text: str) -> Iterator[tuple[Any, int, int]]:
    """(item, where its text starts, where it ends) for each item of a JSON array, decoded one at a time (a
    check's 100,000 findings never exist as dicts at once)."""
    at, end = text.index("[") + 1, len(text)
    while True:
        while at < end and text[at] in " \t\r\n,":
            at += 1
        if at >= end or text[at] == "]":
            return
        start = at
        item, at = _DECODER.raw_decode(text, at)
        yield item, start, at


def write_report(job: dict[str, Any], server: dict[str, Any], heads: list[CheckOutcome],
                 findings_json: Callable[[list[str]], Iterable[tuple[str, str]]], completed_at: str, *,
                 partial_reason: str | None = None) -> WrittenReport:
    """The same document as `build_report` (same fields, same order, same score), built without holding the
    findings as objects: `heads` are the outcomes without findings, `findings_json(check_ids)` yields each check's
    stored findings JSON in the order asked. One check is parsed at a time; its findings, sorted by object, are
    appended as compact JSON to a temporary file per severity, and since checks come in id order the files hold
    the report's order (severity, check, object) without a global sort; the document is assembled on disk and
    packed from there (`packing.pack`). Memory: one check's findings text plus the packed report, instead of
    every finding as an object, a dict and the text (~5 kB per finding, measured), or the whole text twice."""
    checks = catalog.by_id()
    stats_since = server.get("statsSince")
    counts = dict.fromkeys(SEVERITIES, 0)
    value = 1.0
    ids = sorted(o.check_id for o in heads)
    buckets = {severity: tempfile.TemporaryFile("w+", encoding="utf-8") for severity in SEVERITIES}
    try:
        for check_id, text in findings_json(ids):
            check = checks.get(check_id)
            stamp = check is not None and check.usage_based and stats_since
            # (object, severity, output): the output is the stored text's span when the finding goes out unchanged
            # (it was encoded by the same `to_json` + `compact_json`), so a check's findings are held as its one
            # text and small tuples; only usage-based checks, stamped with `statisticsSince`, are re-encoded.
            found: list[tuple[str, str, tuple[int, int] | str]] = []
            for item, start, end in _array_items(text or "[]"):
                if stamp:
                    finding = Finding.from_json(item)
                    finding.details.setdefault("statisticsSince", stats_since)
                    found.append((finding.object, _SEVERITY_NAME[finding.severity], _compact(finding.to_json())))
                else:
                    found.append((item["object"], _SEVERITY_NAME[item["severity"]], (start, end)))
            if not found:
                text = ""
                continue
            worst = max(SEVERITIES[severity] for _, severity, _ in found)
            weight = SEVERITY_WEIGHTS[_BY_RANK[worst]] * min(2.0, 1.0 + 0.25 * (len(found) - 1))
            value *= max(0.0, 1.0 - weight)
            found.sort(key=lambda entry: entry[0])
            for _, severity, output in found:
                if counts[severity]:
                    buckets[severity].write(",")
                buckets[severity].write(output if isinstance(output, str) else text[output[0]:output[1]])
                counts[severity] += 1
            del found
            text = ""  # not held while the next page is read
        final = max(0, min(100, round(value * 100)))
        head = _compact(_head(job, server, heads, completed_at, final, partial_reason, counts))
        with tempfile.TemporaryFile("w+", encoding="utf-8") as document:  # assembled on disk, read once
            document.write(head[:-1] + ',"findings":[')
            first = True
            for severity in sorted(SEVERITIES, key=lambda s: -SEVERITIES[s]):
                if counts[severity]:
                    document.write("" if first else ",")
                    buckets[severity].seek(0)
                    shutil.copyfileobj(buckets[severity], document)
                    first = False
            document.write('],"skipped":' + _compact(_skipped(heads)) + "}")
            document.seek(0)
            stored = packing.pack(document)
    finally:
        for out in buckets.values():
            out.close()
    return WrittenReport(stored, sum(counts.values()), final)


def rules_for(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Catalog entries of the checks a report mentions (for SARIF rules and the HTML legend)."""
    checks = catalog.by_id()
    ids = sorted({f["checkId"] for f in report["findings"]})
    return [checks[i].to_catalog_json() | {"id": i} for i in ids if i in checks]
