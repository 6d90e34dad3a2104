"""Glue between the linter and the check runner: lint each stored object, one finding row per issue.

Engine handlers read `(schema_name, object_name, object_type, definition)` from their catalog and call
`lint_handler`; the rows use the mapper vocabulary, so catalog templates such as
`"{object_type} {schema_name}.{object_name} line {line}: {lint_message}"` and `"{lint_fix}"` work everywhere.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from shared.analyzer.lint.engine import lint_sql
from shared.analyzer.lint.rules import normalize_dialect, rules

if TYPE_CHECKING:
    from shared.analyzer.model import Check
    from shared.analyzer.session import AnalysisSession

StoredObject = tuple[str | None, str, str, str | None]

# A catalog full of generated code could produce thousands of issues; the report stays readable and bounded.
MAX_ROWS = 1000


def lint_rows(objects: Iterable[StoredObject], dialect: str, *, max_rows: int = MAX_ROWS) -> list[dict[str, Any]]:
    d = normalize_dialect(dialect)
    table = rules()
    rows: list[dict[str, Any]] = []
    for schema_name, object_name, object_type, definition in objects:
        if not definition:
            continue  # encrypted (SQL Server WITH ENCRYPTION) or not visible to this login
        for issue in lint_sql(definition, d):
            rule = table[issue.rule_id]
            rows.append({"schema_name": schema_name or "", "object_name": object_name,
                         "object_type": object_type, "rule_id": issue.rule_id, "line": issue.line,
                         "snippet": issue.snippet, "severity": issue.severity, "message": issue.message,
                         "lint_message": issue.message, "lint_title": rule.title, "lint_fix": rule.fix})
            if len(rows) >= max_rows:
                return rows
    return rows


def lint_handler(session: "AnalysisSession", check: "Check", objects: Iterable[StoredObject]) -> list[dict[str, Any]]:
    """Rows for a `*-stored-code-lint` check; the dialect follows the session's engine."""
    return lint_rows(objects, session.engine)
