"""The shared stored-code linter: every engine's `*-stored-code-lint` check reads view, procedure, function and
trigger definitions from the live catalog and lints them here with sqlglot's parser.

    lint_sql(sql, dialect) -> list[LintIssue]        # dialect: postgres | mysql | sqlite | tsql
    lint_handler(session, check, objects) -> rows    # objects: [(schema, name, type, definition)]

Rules are data (`rules.yaml`); `RULES` maps rule id → Rule(id, title, severity, why, fix, dialects).
"""
from shared.analyzer.lint.engine import lint_sql
from shared.analyzer.lint.handler import lint_handler, lint_rows
from shared.analyzer.lint.rules import LintIssue, Rule, rules

RULES = rules()

__all__ = ["LintIssue", "RULES", "Rule", "lint_handler", "lint_rows", "lint_sql", "rules"]
