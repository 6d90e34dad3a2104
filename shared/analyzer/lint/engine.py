"""`lint_sql`: stored code in, lint issues out.

The body is cut into statements (`splitter.py`); every statement sqlglot can parse is checked by the tree rules,
every statement by the token rules. Control-flow conditions (`IF @x = NULL`) are linted as `SELECT 1 WHERE <cond>`
so the classic T-SQL and PL/pgSQL NULL-comparison bug is caught where it is most common.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, SqlglotError
from sqlglot.tokens import Token, TokenType

from shared.analyzer.lint import splitter
from shared.analyzer.lint.ast_rules import DETECTORS, TRIGGERS
from shared.analyzer.lint.rules import LintIssue, Rule, normalize_dialect, rules
from shared.analyzer.lint.token_rules import TOKEN_DETECTORS

# Segment heads sqlglot may parse as they are.
_PARSEABLE = {"SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "SET", "WITH", "REPLACE", "DECLARE", "VALUES", ""}
# Heads whose remainder is an expression: linted as `SELECT <expr>` (PERFORM is PL/pgSQL's SELECT-and-discard).
_EXPRESSION_HEADS = {"RETURN", "PERFORM"}
_DML = {"INSERT", "UPDATE", "DELETE", "MERGE"}
_SNIPPET_CHARS = 160


class _QuietCommandFallback(logging.Filter):
    """sqlglot warns on every statement it keeps as an opaque command (DECLARE CURSOR ...); the linter expects
    those and records them itself, so the warning would only flood the host log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Falling back to parsing as a 'Command'" not in record.getMessage()


logging.getLogger("sqlglot").addFilter(_QuietCommandFallback())


@dataclass
class _Progress:
    attempted: int = 0
    parsed: int = 0
    first_failure: tuple[int, str] | None = None
    has_dml: bool = False


def lint_sql(sql: str, dialect: str) -> list[LintIssue]:
    """Lints one stored object's definition (a CREATE statement, or a bare body). Never raises on bad SQL."""
    d = normalize_dialect(dialect)
    table = {rid: r for rid, r in rules().items() if d in r.dialects}
    issues: list[LintIssue] = []
    progress = _Progress()
    _lint_body(sql, 0, sql, d, table, issues, progress)
    if not progress.has_dml:
        issues = [i for i in issues if i.rule_id != "set-rowcount"]
    if progress.attempted and not progress.parsed:
        line, snippet = progress.first_failure or (1, sql)
        rule = table["lint-unparsed"]
        issues.append(LintIssue(rule.id, rule.message(), rule.severity, line, _snippet(snippet)))
    seen: set[tuple[str, int | None, str]] = set()
    unique = []
    for issue in sorted(issues, key=lambda i: (i.line or 0, i.rule_id)):
        key = (issue.rule_id, issue.line, issue.snippet)
        if key not in seen:
            seen.add(key)
            unique.append(issue)
    return unique


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _SNIPPET_CHARS else flat[:_SNIPPET_CHARS - 1] + "…"


def _lint_body(text: str, base: int, original: str, dialect: str, table: dict[str, Rule],
               issues: list[LintIssue], progress: _Progress) -> None:
    try:
        tokens = splitter.tokenize(text, dialect)
    except (SqlglotError, ValueError, IndexError):
        progress.attempted += 1
        progress.first_failure = progress.first_failure or (splitter.line_of(original, base), text)
        return
    body, quoted_body = splitter.strip_header(tokens, dialect)
    if quoted_body is not None:  # PostgreSQL: AS $$ ... $$ — lint the function body itself
        inner = quoted_body.text
        at = text.find(inner, quoted_body.start)
        _lint_body(inner, base + (at if at >= 0 else quoted_body.start), original, dialect, table, issues, progress)
        return
    if dialect == "tsql" and "deprecated-type" in table:
        _header_types(tokens[:len(tokens) - len(body)], base, original, table, issues)
    for segment in splitter.split(text, body):
        _lint_segment(segment, base, original, dialect, table, issues, progress)


def _header_types(header: list[Token], base: int, original: str, table: dict[str, Rule],
                  issues: list[LintIssue]) -> None:
    """Parameters declared text/ntext/image (`@p ntext`) live in the header, which is not parsed."""
    rule = table["deprecated-type"]
    for i, tok in enumerate(header):
        if tok.token_type in (TokenType.TEXT, TokenType.IMAGE) and tok.text.lower() in ("text", "ntext", "image") \
                and i and header[i - 1].token_type in (TokenType.VAR, TokenType.IDENTIFIER):
            where = base + tok.start
            issues.append(LintIssue(rule.id, rule.message(f"{header[i - 1].text} {tok.text}"), rule.severity,
                                    splitter.line_of(original, where), f"@{header[i - 1].text} {tok.text}"))


def _statement_for(segment: splitter.Segment) -> str | None:
    head = segment.head
    rest = segment.text[segment.tokens[1].start - segment.offset:] if len(segment.tokens) > 1 else ""
    words = [t.text.upper() for t in segment.tokens]
    if "CURSOR" in words and "FOR" in words[words.index("CURSOR"):]:
        at = words.index("FOR", words.index("CURSOR"))  # the cursor's query is ordinary SQL: lint it
        return segment.text[segment.tokens[at + 1].start - segment.offset:] if at + 1 < len(words) else None
    if head in splitter.CONDITION_HEADS:
        return f"SELECT 1 WHERE {rest}" if rest.strip() else None
    if head in _EXPRESSION_HEADS:
        return f"SELECT {rest}" if rest.strip() and rest.split()[0].upper() not in ("QUERY", "NEXT") else None
    if head in _PARSEABLE or segment.tokens[0].token_type == TokenType.L_PAREN:
        return segment.text
    return None


def _lint_segment(segment: splitter.Segment, base: int, original: str, dialect: str, table: dict[str, Rule],
                  issues: list[LintIssue], progress: _Progress) -> None:
    seg_line = splitter.line_of(original, base + segment.offset)
    if segment.head in _DML:
        progress.has_dml = True
    token_hits = 0
    for rule_id, detect_tokens in TOKEN_DETECTORS.items():
        if rule_id in table:
            for rid, offset, snippet in detect_tokens(segment, dialect):
                token_hits += 1
                rule = table[rid]
                issues.append(LintIssue(rid, rule.message(_snippet(snippet)), rule.severity,
                                        splitter.line_of(original, base + offset), _snippet(snippet)))
    statement = _statement_for(segment)
    if statement is None:
        return
    progress.attempted += 1
    try:
        trees = [t for t in sqlglot.parse(statement, read=dialect, error_level=ErrorLevel.RAISE) if t is not None]
    except (SqlglotError, ValueError, IndexError, KeyError, TypeError, RecursionError):
        trees = []
    if not trees or any(isinstance(t, exp.Command) for t in trees):
        progress.parsed += token_hits > 0  # the token rules understood it well enough to report on it
        progress.first_failure = progress.first_failure or (seg_line, segment.text)
        return
    progress.parsed += 1
    run = {id(fn): fn for rid, fn in DETECTORS.items() if rid in table}
    for tree in trees:
        present = {type(node) for node in tree.walk()}
        for detect in run.values():
            triggers = TRIGGERS.get(detect)  # a detector without declared triggers always runs
            if triggers and not any(issubclass(kind, triggers) for kind in present):
                continue  # nothing in this statement the detector looks at
            for rid, node, detail in detect(tree, dialect):
                if rid not in table:
                    continue
                rule = table[rid]
                line = seg_line + _relative_line(node) - 1
                issues.append(LintIssue(rid, rule.message(_snippet(detail)), rule.severity, line, _snippet(detail)))


def _relative_line(node: exp.Expr) -> int:
    lines = [meta["line"] for n in node.walk() if (meta := getattr(n, "_meta", None)) and "line" in meta]
    return min(lines) if lines else 1
