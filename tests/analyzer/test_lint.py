"""The stored-code linter, case by case from `tests/fixtures/lint/*.yml`, plus its integration with a live session.

Each case names the exact set of rule ids it must produce (an empty list means clean code), optionally the line
of each; every rule in the rule table must be proved by at least one case.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pyodbc
import pytest
import yaml

from shared.analyzer.lint import RULES, LintIssue, lint_handler, lint_rows, lint_sql
from shared.analyzer.mappers import rows_to_findings
from shared.analyzer.model import SEVERITIES, Check
from shared.analyzer.session import AnalysisSession

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lint"


def _cases() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(FIXTURES.glob("*.yml")):
        data = yaml.safe_load(path.read_text())
        assert data.get("why"), f"{path.name}: every fixture file says why it exists"
        for case in data["cases"]:
            out.append((f"{path.stem}: {case['name']}", case))
    return out


CASES = _cases()


@pytest.mark.parametrize("name,case", CASES, ids=[n for n, _ in CASES])
def test_lint_case_reports_exactly_the_expected_rules(name: str, case: dict[str, Any]) -> None:
    issues = lint_sql(case["sql"], case["dialect"])
    assert sorted({i.rule_id for i in issues}) == sorted(case["expect"]), \
        f"{name}: got {[(i.rule_id, i.line, i.snippet) for i in issues]}"
    for rule_id, line in (case.get("lines") or {}).items():
        assert line in [i.line for i in issues if i.rule_id == rule_id], \
            f"{name}: {rule_id} expected on line {line}, got {[(i.rule_id, i.line) for i in issues]}"


def test_every_rule_is_proved_by_a_fixture_case() -> None:
    expected = {rule for _, case in CASES for rule in case["expect"]}
    assert set(RULES) - expected == set()


def test_every_rule_has_a_known_severity_and_says_why_and_what_to_do() -> None:
    for rule in RULES.values():
        assert rule.severity in SEVERITIES, rule.id
        assert len(rule.why) > 30 and len(rule.fix) > 10, rule.id


def test_issue_message_says_what_why_and_fix() -> None:
    (issue,) = lint_sql("SELECT id FROM t WHERE a = NULL", "postgres")
    assert isinstance(issue, LintIssue)
    assert issue.snippet == "a = NULL"
    assert "never true" in issue.message and "IS NULL" in issue.message and issue.message.startswith("Comparison")


def test_engine_names_are_accepted_as_dialects_and_unknown_ones_rejected() -> None:
    assert lint_sql("SELECT * FROM t", "postgresql") == lint_sql("SELECT * FROM t", "postgres")
    assert [i.rule_id for i in lint_sql("SELECT a FROM t WITH (NOLOCK)", "sqlserver")] == ["nolock-hint"]
    with pytest.raises(ValueError, match="unknown lint dialect"):
        lint_sql("SELECT 1", "oracle")


def test_tsql_only_rules_do_not_fire_on_other_dialects() -> None:
    assert lint_sql("SELECT a FROM t WHERE b LIKE 'x%'", "mysql") == []
    assert "deprecated-type" not in {i.rule_id for i in lint_sql("CREATE VIEW v AS SELECT CAST(a AS TEXT) AS a FROM t",
                                                                 "postgres")}


def test_garbage_never_raises() -> None:
    for text in ("", "   ", "'unterminated", "$$", "CREATE", "BEGIN END END END", ")))((("):
        for dialect in ("postgres", "mysql", "sqlite", "tsql"):
            assert isinstance(lint_sql(text, dialect), list)


def test_lint_rows_use_the_mapper_vocabulary_and_skip_encrypted_objects() -> None:
    rows = lint_rows([("dbo", "p", "PROCEDURE", "CREATE PROCEDURE dbo.p AS\nDELETE FROM dbo.t"),
                      ("dbo", "secret", "PROCEDURE", None)], "tsql")
    assert [r["rule_id"] for r in rows] == ["delete-without-where"]
    row = rows[0]
    assert {"schema_name", "object_name", "object_type", "rule_id", "line", "snippet", "severity", "message",
            "lint_message", "lint_fix"} <= set(row)
    assert row["line"] == 2 and row["severity"] == "medium"


def test_lint_rows_are_bounded() -> None:
    body = "\n".join(f"SELECT * FROM t{n}" for n in range(50))
    assert len(lint_rows([("s", "v", "VIEW", body)], "tsql", max_rows=7)) == 7


def test_lint_handler_on_a_live_sqlite_catalog_becomes_findings() -> None:
    """The handler path other engines use: read definitions through a real session, lint, map to findings."""
    with tempfile.TemporaryDirectory() as tmp:
        conn_str = f"Driver={{SQLite3}};Database={tmp}/lint.db"
        with pyodbc.connect(conn_str, autocommit=True) as conn:
            conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, status TEXT)")
            conn.execute("CREATE VIEW open_orders AS SELECT * FROM orders WHERE status = NULL")
            conn.execute("CREATE VIEW clean_orders AS SELECT id, status FROM orders WHERE status IS NULL")
        check = Check(id="sqlite-stored-code-lint", engine="sqlite", title="Stored code lint", category="code",
                      severity="medium", description="d", docs="https://sqlite.org/lang_createview.html",
                      message="{object_type} {schema_name}.{object_name} line {line}: {lint_message}",
                      recommendation="{lint_fix}", object="{schema_name}.{object_name}", kind="python",
                      handler="test")
        with AnalysisSession(conn_str) as session:
            objects = [("main", r["name"], "VIEW", r["sql"])
                       for r in session.query("SELECT name, sql FROM sqlite_master WHERE type = 'view'")]
            findings = rows_to_findings(check, lint_handler(session, check, objects))
    assert sorted((f.object, f.details["rule_id"], f.severity) for f in findings) == [
        ("main.open_orders", "null-comparison", "high"), ("main.open_orders", "select-star", "low")]
    assert all(f.message.startswith("VIEW main.open_orders line 1: ") for f in findings)
