"""Rows → findings. Query checks return columns from a fixed vocabulary; one mapper turns any such row into a finding.

Column vocabulary (lower-case): schema_name, table_name, index_name, column_name, constraint_name, object_name,
object_type, user_name, setting_name, setting_value, and any extra measurement columns. The catalog's `object` and
`message` templates use `{column}` placeholders; every column also lands in `details`, so nothing a query measured
is lost. A row column `severity` (one of the vocabulary) overrides the catalog severity for that row, which lets one
query grade by size (e.g. overflow at 80 % → medium, 95 % → critical).

Flag columns: a column named `is_*`, `has_*`, `can_*` or `bypasses_*` is a boolean. Drivers hand booleans back as
`1`/`0`, `'1'`/`'0'` (psqlODBC) or `'t'`/`'f'`; such a column becomes a real boolean in `details` and reads "yes" /
"no" in messages, so a report never says "unique: 1".
"""
from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from shared.analyzer.model import SEVERITIES, Check, Finding

_FLAG_PREFIXES = ("is_", "has_", "can_", "bypasses_")
_TRUE = {"1", "t", "true", "y", "yes", "on"}
_FALSE = {"0", "f", "false", "n", "no", "off"}
_OBJECT_COLUMNS = ("schema_name", "table_name", "index_name", "column_name", "constraint_name", "object_name",
                   "user_name", "setting_name")


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def _jsonable(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return value


def _flag(name: str, value: Any) -> Any:
    """The boolean a flag column holds, or the value unchanged when it is not a flag column or not boolean-like."""
    if not name.startswith(_FLAG_PREFIXES) or value is None:
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return value


def _text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def default_object(row: Mapping[str, Any]) -> str:
    """`schema.table.index` style name from whichever vocabulary columns the row has."""
    parts = [str(row[c]) for c in ("schema_name", "table_name") if row.get(c) not in (None, "")]
    for c in ("index_name", "constraint_name", "column_name", "object_name", "user_name", "setting_name"):
        if row.get(c) not in (None, ""):
            parts.append(str(row[c]))
            break
    return ".".join(parts) or "(database)"


def row_to_finding(check: Check, row: Mapping[str, Any]) -> Finding:
    details = {k: _flag(k, _jsonable(v)) for k, v in row.items()}
    values = _Blank({k: _text(v) for k, v in details.items()})
    severity = str(row.get("severity") or check.severity).lower()
    if severity not in SEVERITIES:
        severity = check.severity
    details.pop("severity", None)
    obj = check.object.format_map(values) if check.object else default_object(row)
    return Finding(check.id, check.category, severity, obj, check.message.format_map(values),
                   check.recommendation.format_map(values), details)


def iter_findings(check: Check, rows: Iterable[Mapping[str, Any]]) -> Iterator[Finding]:
    """One finding per row, mapped as the row arrives: the caller decides whether to keep them (tests, the
    benchmark's floor) or encode each one and let it go (a job, see `runner.run_check(encode=True)`)."""
    for row in rows:
        yield row_to_finding(check, {k.lower(): v for k, v in row.items()})


def rows_to_findings(check: Check, rows: Iterable[Mapping[str, Any]]) -> list[Finding]:
    return list(iter_findings(check, rows))
