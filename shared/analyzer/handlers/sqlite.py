"""SQLite checks that need code. Pragmas are read through their table-valued functions in plain SQL files, so the
only one left is the stored-code linter over view and trigger definitions."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.analyzer import catalog
from shared.analyzer.handlers import handler
from shared.analyzer.lint import lint_handler

if TYPE_CHECKING:
    from shared.analyzer.model import Check
    from shared.analyzer.session import AnalysisSession


@handler("sqlite_stored_code_lint")
def stored_code_lint(session: "AnalysisSession", check: "Check") -> list[dict[str, Any]]:
    objects = [(r["schema_name"], r["object_name"], r["object_type"], r["definition"])
               for r in session.query(catalog.sql_text(check))]
    return lint_handler(session, check, objects)
