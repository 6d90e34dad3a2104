"""The lint rule table (`rules.yaml`) and the issue type every rule produces.

Rules are data so the report, the docs and the tests read one list; each rule's detector lives in `ast_rules.py`
(on sqlglot's syntax tree) or `token_rules.py` (syntax the parser cannot represent, such as `*=`).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from shared.data_files import load_yaml

DIALECTS = ("postgres", "mysql", "sqlite", "tsql")
# Engine names used elsewhere in the analyzer map onto sqlglot dialects.
DIALECT_ALIASES = {"postgresql": "postgres", "pg": "postgres", "mariadb": "mysql", "sqlserver": "tsql",
                   "mssql": "tsql", "azure-sql": "tsql"}


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str
    why: str
    fix: str
    dialects: tuple[str, ...] = DIALECTS

    def message(self, detail: str = "") -> str:
        """What is wrong (with the offending construct), why it matters, what to do — in one sentence each."""
        what = f"{self.title}" + (f" ({detail})" if detail else "")
        return f"{what}: {self.why}. Fix: {self.fix}."


@dataclass(frozen=True)
class LintIssue:
    rule_id: str
    message: str
    severity: str
    line: int | None
    snippet: str


@lru_cache(maxsize=1)
def rules() -> dict[str, Rule]:
    entries = load_yaml(Path(__file__).with_name("rules.yaml"))
    table = {}
    for entry in entries:
        dialects = tuple(entry.pop("dialects", DIALECTS))
        unknown = set(dialects) - set(DIALECTS)
        if unknown:
            raise ValueError(f"lint rule {entry['id']}: unknown dialect(s) {sorted(unknown)}")
        table[entry["id"]] = Rule(dialects=dialects, **entry)
    return table


def normalize_dialect(dialect: str) -> str:
    d = DIALECT_ALIASES.get(dialect.lower(), dialect.lower())
    if d not in DIALECTS:
        raise ValueError(f"unknown lint dialect {dialect!r}; use one of {', '.join(DIALECTS)}")
    return d
