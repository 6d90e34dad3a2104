"""Writes docs/checks.md from the check catalog, so the documentation cannot drift from the checks.

Run `python -m scripts.generate_check_docs` after changing a catalog; `tests/analyzer/test_check_docs.py` fails
when the committed file is stale. The same run stamps the per-engine check counts into the prose docs: every
`<!-- count:ENGINE -->N<!-- /count -->` in README.md and docs/*.md gets the catalog's number, so no count is typed
by hand.
"""
from __future__ import annotations

import re
from pathlib import Path

from shared.analyzer import catalog
from shared.analyzer.connstr import ENGINES

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "checks.md"
COUNTED_DOCS = (ROOT / "README.md", ROOT / "docs" / "analyzer.md", ROOT / "docs" / "sqlserver.md")
_COUNT = re.compile(r"<!-- count:(\w+) -->\d*<!-- /count -->")
_ENGINE_TITLES = {"sqlserver": "SQL Server / Azure SQL", "postgresql": "PostgreSQL", "mysql": "MySQL / MariaDB",
                  "sqlite": "SQLite"}


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def render() -> str:
    checks = catalog.all_checks()
    lines = ["# Check catalog", "",
             "Generated from `shared/analyzer/catalog/*.yaml` by `python -m scripts.generate_check_docs`; do not edit.",
             "", "| engine | checks |", "|---|---|"]
    for engine in ENGINES:
        lines.append(f"| {_ENGINE_TITLES[engine]} | {sum(1 for c in checks if c.engine == engine)} |")
    for engine in ENGINES:
        lines += ["", f"## {_ENGINE_TITLES[engine]}", "",
                  "| id | title | category | severity | analysis types | notes | description |",
                  "|---|---|---|---|---|---|---|"]
        for c in (c for c in checks if c.engine == engine):
            notes = []
            if c.min_version:
                notes.append(f"≥ {c.min_version}")
            if c.usage_based:
                notes.append("usage-based")
            if c.expensive:
                notes.append("expensive")
            if c.engine == "sqlserver" and not c.azure_sql:
                notes.append("not on Azure SQL DB")
            if c.kind == "python":
                notes.append("code")
            if c.parameters:
                notes.append("parameters: " + ", ".join(f"{k} = {v:g}" for k, v in c.parameters))
            if c.source:
                notes.append(f"source: {c.source}")
            lines.append(f"| [`{c.id}`]({c.docs}) | {_cell(c.title)} | {c.category} | {c.severity} | "
                         f"{', '.join(c.analysis_types())} | {', '.join(notes)} | {_cell(c.description)} |")
    return "\n".join(lines) + "\n"


def counts() -> dict[str, int]:
    checks = catalog.all_checks()
    return {engine: sum(1 for c in checks if c.engine == engine) for engine in ENGINES}


def stamp_counts(text: str) -> str:
    """The text with every count marker holding the catalog's current number for its engine."""
    numbers = counts()

    def put(match: re.Match[str]) -> str:
        engine = match.group(1)
        if engine not in numbers:
            raise ValueError(f"unknown engine in count marker: {engine}")
        return f"<!-- count:{engine} -->{numbers[engine]}<!-- /count -->"

    return _COUNT.sub(put, text)


def main() -> None:
    DOC.write_text(render())
    for path in COUNTED_DOCS:
        if path.exists():
            text = path.read_text()
            stamped = stamp_counts(text)
            if stamped != text:
                path.write_text(stamped)
    print(f"wrote {DOC.relative_to(Path.cwd()) if DOC.is_relative_to(Path.cwd()) else DOC}")


if __name__ == "__main__":
    main()
