"""The analyzer's vocabulary: severities, categories, analysis types, checks, findings.

Declared once here so the catalog loader, the report, the `/checks` endpoint and the docs all agree.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
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


def compact_json(value: Any) -> str:
    """Stored JSON without the spaces after separators: about 6 % fewer bytes to encode, write and read back for a
    report of thousands of findings. `default=str` keeps driver values such as Decimal and datetime readable.
    ASCII-only (`ensure_ascii`), so CPython keeps the text at one byte per character however long it grows."""
    return json.dumps(value, default=str, separators=(",", ":"))


def encode_findings(findings: Iterable[Finding], chunk: int = 256) -> tuple[str, int]:
    """(the stored JSON array of `findings`, how many): each finding is encoded the moment it arrives and only its
    text is kept (~0.7 kB, against ~2 kB for a `Finding` with its details dict), so a check of 37,600 findings
    holds its text, not its objects. Every `chunk` findings their texts are joined into one string: a few hundred
    large strings instead of tens of thousands of 0.7 kB ones interleaved with the mapper's short-lived objects,
    which left the C heap fragmented (RSS well above the text held; docs/analyzer.md, "Memory")."""
    chunks: list[str] = []
    parts: list[str] = []
    count = 0
    for finding in findings:
        parts.append(compact_json(finding.to_json()))
        if len(parts) == chunk:
            chunks.append(",".join(parts))
            count += len(parts)
            parts = []
    if parts:
        chunks.append(",".join(parts))
        count += len(parts)
    del parts
    if not chunks:
        return "[]", 0
    # The brackets go onto the end chunks: `"[" + text + "]"` would copy the whole text twice more.
    chunks[0] = "[" + chunks[0]
    chunks[-1] = chunks[-1] + "]"
    return ",".join(chunks), count


@dataclass
class CheckOutcome:
    """What one check produced: findings, or the reason it was skipped (never both). `connection_lost`: it was
    skipped because the connection to the target dropped (and kept dropping on new sessions), not because of the
    check itself — such a job's report is partial.

    `findings_json`: the findings already encoded as their stored JSON array (`encode_findings`), with
    `findings` left empty and their number in `finding_count`: how a job carries a check's findings from the
    target to the application database without ever holding them as objects."""

    check_id: str
    findings: list[Finding] = field(default_factory=list)
    skipped: str | None = None
    duration_ms: float = 0.0
    connection_lost: bool = False
    findings_json: str | None = None
    finding_count: int = 0

    @property
    def count(self) -> int:
        """How many findings, whichever way they are held."""
        return len(self.findings) if self.findings_json is None else self.finding_count

    def stored_findings_json(self) -> str:
        """The findings as stored in `analysis_outcomes.findings_json`."""
        if self.findings_json is not None:
            return self.findings_json
        return encode_findings(self.findings)[0]

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
