"""Writes docs/checks.md from the check catalog, so the documentation cannot drift from the checks.

Run `python -m scripts.generate_check_docs` after changing a catalog; `tests/analyzer/test_check_docs.py` fails
when the committed file is stale.
"""
from __future__ import annotations

from pathlib import Path

from shared.analyzer import catalog
from shared.analyzer.connstr import ENGINES

DOC = Path(__file__).resolve().parents[1] / "docs" / "checks.md"
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
            lines.append(f"| [`{c.id}`]({c.docs}) | {_cell(c.title)} | {c.category} | {c.severity} | "
                         f"{', '.join(c.analysis_types())} | {', '.join(notes)} | {_cell(c.description)} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    DOC.write_text(render())
    print(f"wrote {DOC.relative_to(Path.cwd()) if DOC.is_relative_to(Path.cwd()) else DOC}")


if __name__ == "__main__":
    main()
