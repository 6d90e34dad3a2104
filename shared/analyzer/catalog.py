"""The check catalog: one YAML list per engine in `catalog/<engine>.yaml`, one SQL file per query check.

A check is data (id, title, category, severity, message templates, docs link); its SQL lives in
`sql/<engine>/<id>.sql`, so the path derives from the id and there is no mapping table to keep in step. Python checks
(pragmas, stored-code lint) name a handler registered in `handlers/`.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from shared.analyzer.connstr import ENGINES
from shared.analyzer.model import ANALYSIS_TYPES, CATEGORIES, SEVERITIES, Check
from shared.data_files import load_yaml

CATALOG_DIR = Path(__file__).with_name("catalog")
SQL_DIR = Path(__file__).with_name("sql")

_REQUIRED = ("id", "title", "category", "severity", "description", "message", "recommendation", "docs")
_ALLOWED = set(Check.__dataclass_fields__) - {"engine"}


class CatalogError(ValueError):
    pass


def sql_path(check: Check) -> Path:
    return SQL_DIR / check.engine / f"{check.id}.sql"


# A threshold in a check's SQL: `/*:name*/ 40` — the literal after the marker is the default the file runs with on
# its own; the catalog entry's `parameters` (or an override) replaces it, so thresholds are data, not code.
_PARAMETER = re.compile(r"/\*:([a-z][a-z0-9_]*)\*/\s*(-?\d+(?:\.\d+)?)")


def sql_parameters(sql: str) -> dict[str, str]:
    """The parameter markers of a SQL text with the literal each stands before."""
    return {m.group(1): m.group(2) for m in _PARAMETER.finditer(sql)}


def sql_text(check: Check, overrides: Mapping[str, float] | None = None) -> str:
    """The check's SQL with its parameters (catalog values, then overrides) written in place of the defaults."""
    text = sql_path(check).read_text()
    values = {**dict(check.parameters), **(overrides or {})}
    if not values:
        return text

    def put(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        return f"/*:{name}*/ {_number(name, values[name])}"

    return _PARAMETER.sub(put, text)


def _number(name: str, value: object) -> str:
    """Only plain numbers reach the SQL: a parameter is a threshold, never text."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CatalogError(f"parameter {name} must be a number, got {value!r}")
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _load_engine(engine: str) -> list[Check]:
    path = CATALOG_DIR / f"{engine}.yaml"
    if not path.exists():
        return []
    entries: list[dict[str, Any]] = load_yaml(path) or []
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
        params = entry.pop("parameters", None) or {}
        if not isinstance(params, dict):
            raise CatalogError(f"{where}: parameters must be a mapping of name to number")
        check = Check(engine=engine, **entry,
                      parameters=tuple((str(k), float(_number(str(k), v))) for k, v in params.items()))
        if check.kind == "query" and sql_path(check).exists():
            markers = set(sql_parameters(sql_path(check).read_text()))
            if markers != set(params):
                raise CatalogError(f"{where}: SQL parameter markers {sorted(markers)} differ from parameters "
                                   f"{sorted(params)}")
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
