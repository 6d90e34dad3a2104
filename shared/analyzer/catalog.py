"""The check catalog: one YAML list per engine in `catalog/<engine>.yaml`, one SQL file per query check.

A check is data (id, title, category, severity, message templates, docs link); its SQL lives in
`sql/<engine>/<id>.sql`, so the path derives from the id and there is no mapping table to keep in step. Python checks
(pragmas, stored-code lint) name a handler registered in `handlers/`.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from shared.analyzer.connstr import ENGINES
from shared.analyzer.model import ANALYSIS_TYPES, CATEGORIES, SEVERITIES, Check

CATALOG_DIR = Path(__file__).with_name("catalog")
SQL_DIR = Path(__file__).with_name("sql")

_REQUIRED = ("id", "title", "category", "severity", "description", "message", "recommendation", "docs")
_ALLOWED = set(Check.__dataclass_fields__) - {"engine"}


class CatalogError(ValueError):
    pass


def sql_path(check: Check) -> Path:
    return SQL_DIR / check.engine / f"{check.id}.sql"


def sql_text(check: Check) -> str:
    return sql_path(check).read_text()


def _load_engine(engine: str) -> list[Check]:
    path = CATALOG_DIR / f"{engine}.yaml"
    if not path.exists():
        return []
    entries: list[dict[str, Any]] = yaml.safe_load(path.read_text()) or []
    checks = []
    for n, entry in enumerate(entries, 1):
        where = f"{path.name} entry {n} ({entry.get('id', '?')})"
        missing = [k for k in _REQUIRED if not entry.get(k)]
        if missing:
            raise CatalogError(f"{where}: missing {', '.join(missing)}")
        unknown = set(entry) - _ALLOWED
        if unknown:
            raise CatalogError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        if entry["category"] not in CATEGORIES:
            raise CatalogError(f"{where}: category must be one of {', '.join(CATEGORIES)}")
        if entry["severity"] not in SEVERITIES:
            raise CatalogError(f"{where}: severity must be one of {', '.join(SEVERITIES)}")
        if "min_version" in entry and entry["min_version"] is not None:
            entry["min_version"] = str(entry["min_version"])
        check = Check(engine=engine, **entry)
        if check.kind == "query" and not sql_path(check).exists():
            raise CatalogError(f"{where}: {sql_path(check).relative_to(SQL_DIR.parent)} does not exist")
        if check.kind == "python" and not check.handler:
            raise CatalogError(f"{where}: kind python needs a handler")
        checks.append(check)
    return checks


@lru_cache(maxsize=1)
def all_checks() -> tuple[Check, ...]:
    checks = [c for engine in ENGINES for c in _load_engine(engine)]
    seen: set[str] = set()
    for c in checks:
        if c.id in seen:
            raise CatalogError(f"duplicate check id {c.id}")
        seen.add(c.id)
    return tuple(checks)


def by_id() -> dict[str, Check]:
    return {c.id: c for c in all_checks()}


def version_tuple(version: str | None) -> tuple[int, ...]:
    parts = []
    for piece in (version or "").replace("-", ".").split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def select(engine: str, analysis_type: str, *, only: list[str] | None = None,
           exclude: list[str] | None = None) -> list[Check]:
    """The checks an analysis runs, in catalog order (version and scale guards are applied when planning)."""
    if analysis_type not in ANALYSIS_TYPES:
        raise CatalogError(f"unknown analysis type {analysis_type}")
    chosen = []
    for check in all_checks():
        if check.engine != engine:
            continue
        if only and check.id not in only:
            continue
        if exclude and check.id in exclude:
            continue
        if not only and analysis_type not in check.analysis_types():
            continue
        chosen.append(check)
    return chosen
