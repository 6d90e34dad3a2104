"""Analysis history: what changed between two completed analyses of the same target.

Findings are matched by check id + object, never by message text (messages carry numbers that move between runs:
sizes, counts, ages), so a finding whose wording changed but whose object is the same is "unchanged". The result
drives the schedules' conditions (`new-critical`, `new-high`, `score-drop:N`) and `GET /api/v1/analysis/{id}/diff`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared.analyzer.model import SEVERITIES


@dataclass(frozen=True)
class ReportDiff:
    job_id: str
    previous_job_id: str | None
    score_before: int | None
    score_after: int
    new: list[dict[str, Any]] = field(default_factory=list)
    resolved: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[dict[str, Any]] = field(default_factory=list)

    @property
    def score_drop(self) -> int:
        return max(0, (self.score_before or 0) - self.score_after) if self.score_before is not None else 0

    def new_with_severity(self, severity: str) -> list[dict[str, Any]]:
        return [f for f in self.new if f["severity"] == severity]

    def to_json(self) -> dict[str, Any]:
        return {"jobId": self.job_id, "previousJobId": self.previous_job_id,
                "score": {"before": self.score_before, "after": self.score_after},
                "counts": {"new": len(self.new), "resolved": len(self.resolved), "unchanged": len(self.unchanged)},
                "new": self.new, "resolved": self.resolved, "unchanged": self.unchanged}


def finding_key(finding: dict[str, Any]) -> tuple[str, str]:
    return str(finding["checkId"]), str(finding.get("object") or "")


def diff_reports(after: dict[str, Any], before: dict[str, Any] | None) -> ReportDiff:
    """Compare a report with its baseline; without one every finding is new."""
    after_findings = {finding_key(f): f for f in after["findings"]}
    before_findings = {finding_key(f): f for f in (before or {}).get("findings", [])}

    def ordered(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(items, key=lambda f: (-SEVERITIES.get(f["severity"], 0), f["checkId"], f.get("object") or ""))

    return ReportDiff(
        after["jobId"], before["jobId"] if before else None, before["score"] if before else None, after["score"],
        ordered([f for k, f in after_findings.items() if k not in before_findings]),
        ordered([f for k, f in before_findings.items() if k not in after_findings]),
        ordered([f for k, f in after_findings.items() if k in before_findings]))
