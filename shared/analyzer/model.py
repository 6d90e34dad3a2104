"""The analyzer's vocabulary: severities, categories, analysis types, checks, findings.

Declared once here so the catalog loader, the report, the `/checks` endpoint and the docs all agree.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Severity → numeric priority (higher first). Reports sort by it; the score weighs by it.
SEVERITIES: dict[str, int] = {"critical": 50, "high": 40, "medium": 30, "low": 20, "info": 10}

CATEGORIES = ("schema", "indexes", "statistics", "performance", "configuration", "security", "reliability", "code")

# Which categories each analysis type covers; `quick` is the checks flagged quick, `comprehensive` is everything.
ANALYSIS_TYPES: dict[str, tuple[str, ...]] = {
    "quick": (),
    "comprehensive": CATEGORIES,
    "schema": ("schema", "reliability"),
    "indexes": ("indexes",),
    "performance": ("performance", "statistics", "indexes"),
    "security": ("security", "configuration"),
    "code": ("code",),
}


@dataclass(frozen=True)
class Check:
    """One catalog entry (see `shared/analyzer/catalog/README.md` for the meaning of each field)."""

    id: str
    engine: str
    title: str
    category: str
    severity: str
    description: str
    message: str
    recommendation: str
    docs: str
    object: str = ""
    kind: str = "query"  # query: sql/<engine>/<id>.sql ; python: a registered handler
    handler: str | None = None
    quick: bool = False
    min_version: str | None = None
    expensive: bool = False
    usage_based: bool = False
    azure_sql: bool = True  # sqlserver: also runs on Azure SQL Database
    source: str = ""  # the outside reference the check follows (e.g. "sp_Blitz CheckID 93", "pg-index-health ...")
    # Thresholds as (name, value) pairs: the SQL marks each with /*:name*/ before its literal (see catalog.sql_text).
    parameters: tuple[tuple[str, float], ...] = ()

    @property
    def priority(self) -> int:
        return SEVERITIES[self.severity]

    def analysis_types(self) -> list[str]:
        types = [t for t, cats in ANALYSIS_TYPES.items() if self.category in cats]
        return (["quick"] if self.quick else []) + types

    def to_catalog_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "category": self.category, "severity": self.severity,
                "priority": self.priority, "engines": [self.engine], "analysisTypes": self.analysis_types(),
                "description": self.description, "recommendation": self.recommendation, "docs": self.docs,
                "minVersion": self.min_version, "usageBased": self.usage_based, "source": self.source or None,
                "parameters": dict(self.parameters)}


@dataclass
class Finding:
    check_id: str
    category: str
    severity: str
    object: str
    message: str
    recommendation: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"checkId": self.check_id, "category": self.category, "severity": self.severity,
                "priority": SEVERITIES[self.severity], "object": self.object, "message": self.message,
                "recommendation": self.recommendation, "details": self.details}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Finding":
        return cls(data["checkId"], data["category"], data["severity"], data["object"], data["message"],
                   data["recommendation"], data.get("details") or {})


@dataclass
class CheckOutcome:
    """What one check produced: findings, or the reason it was skipped (never both). `connection_lost`: it was
    skipped because the connection to the target dropped (and kept dropping on new sessions), not because of the
    check itself — such a job's report is partial."""

    check_id: str
    findings: list[Finding] = field(default_factory=list)
    skipped: str | None = None
    duration_ms: float = 0.0
    connection_lost: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"checkId": self.check_id, "findings": [f.to_json() for f in self.findings],
                "skipped": self.skipped, "durationMs": round(self.duration_ms, 1),
                "connectionLost": self.connection_lost}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "CheckOutcome":
        return cls(data["checkId"], [Finding.from_json(f) for f in data.get("findings", [])],
                   data.get("skipped"), data.get("durationMs", 0.0), bool(data.get("connectionLost", False)))


def as_dict(obj: Any) -> dict[str, Any]:
    return asdict(obj)
