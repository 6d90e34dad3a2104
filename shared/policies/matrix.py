"""Read models of the Policy Enforcer's pages: a scan's compliance matrix (repositories × policies) and the trend of
violations per policy over the last scans. Both are built from the stored results, never from GitHub."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Cell:
    result: str  # pass | fail | exempt | error | skipped
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"result": self.result, "message": self.message}


@dataclass(frozen=True)
class MatrixRow:
    repository: str
    cells: dict[str, Cell]

    def to_json(self) -> dict[str, Any]:
        return {"repository": self.repository, "results": {p: c.to_json() for p, c in sorted(self.cells.items())}}


@dataclass(frozen=True)
class MatrixPage:
    policies: tuple[str, ...]
    rows: tuple[MatrixRow, ...]
    total: int


@dataclass(frozen=True)
class TrendPoint:
    scan_id: str
    started_at: str | None
    violations: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {"scanId": self.scan_id, "startedAt": self.started_at,
                "violations": dict(sorted(self.violations.items()))}


@dataclass(frozen=True)
class Trend:
    policies: tuple[str, ...]
    scans: tuple[TrendPoint, ...]  # oldest first, as a chart reads them

    def to_json(self) -> dict[str, Any]:
        return {"policies": list(self.policies), "scans": [s.to_json() for s in self.scans]}


def matrix_rows(rows: list[dict[str, Any]]) -> tuple[MatrixRow, ...]:
    """Result rows ordered by repository → one row per repository."""
    by_repo: dict[str, dict[str, Cell]] = {}
    for row in rows:
        by_repo.setdefault(str(row["repository"]), {})[str(row["policy_id"])] = Cell(str(row["outcome"]),
                                                                                       str(row["message"] or ""))
    return tuple(MatrixRow(repo, cells) for repo, cells in by_repo.items())
