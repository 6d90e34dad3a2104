"""The history of each analysed target (same engine + server + database): its completed jobs with their scores.

A DBA reads it as "is this database getting better?": the score over time, and the latest job's diff against the
previous one (`GET /api/v1/analysis/{jobId}/diff`). Rows come from `jobs.history_runs`, grouped here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HistoryRun:
    job_id: str
    analysis_type: str
    completed_at: str | None
    score: int
    findings: int
    partial: bool

    def to_json(self) -> dict[str, Any]:
        return {"jobId": self.job_id, "analysisType": self.analysis_type, "completedAt": self.completed_at,
                "score": self.score, "findings": self.findings, "partial": self.partial}


@dataclass(frozen=True)
class TargetHistory:
    engine: str
    target: str
    runs: tuple[HistoryRun, ...]

    def to_json(self) -> dict[str, Any]:
        return {"engine": self.engine, "target": self.target, "runs": [r.to_json() for r in self.runs]}


def group(rows: list[dict[str, Any]]) -> list[TargetHistory]:
    """Rows (targets in order, newest run first within each) → one history per target, order kept."""
    order: list[tuple[str, str]] = []
    runs: dict[tuple[str, str], list[HistoryRun]] = {}
    for row in rows:
        key = (str(row["engine"]), str(row["target"]))
        if key not in runs:
            order.append(key)
            runs[key] = []
        runs[key].append(HistoryRun(str(row["job_id"]), str(row["analysis_type"]), row.get("completed_at"),
                                    int(row["score"]), int(row.get("findings_total") or 0),
                                    bool(row.get("partial_reason"))))
    return [TargetHistory(engine, target, tuple(runs[(engine, target)])) for engine, target in order]
