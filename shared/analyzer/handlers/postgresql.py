"""PostgreSQL checks that need code: top statements (only when pg_stat_statements is really there) and the
stored-code linter.

pg_stat_statements can be installed in a database yet not loaded (it needs shared_preload_libraries), and then any
read of its view fails; probing first turns that into a skip that says what would enable the check, instead of a
cryptic failure or, worse, an empty "clean" verdict.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from shared.analyzer import catalog
from shared.analyzer.handlers import SkipCheck, handler
from shared.analyzer.lint import lint_handler

if TYPE_CHECKING:
    from shared.analyzer.model import Check
    from shared.analyzer.session import AnalysisSession

_NOT_INSTALLED = ("pg_stat_statements is not installed in this database: add pg_stat_statements to "
                  "shared_preload_libraries (server restart) and run CREATE EXTENSION pg_stat_statements to enable "
                  "this check")
_NOT_LOADED = ("pg_stat_statements is installed but not loaded: add it to shared_preload_libraries and restart the "
               "server to enable this check")


def _require_pg_stat_statements(session: "AnalysisSession") -> None:
    installed = session.query("SELECT extversion FROM pg_extension WHERE extname = 'pg_stat_statements'")
    if not installed:
        raise SkipCheck(_NOT_INSTALLED)
    loaded = session.query("SELECT count(*) AS n FROM pg_settings WHERE name = 'shared_preload_libraries' "
                           "AND setting ~ '(^|[ ,])\"?pg_stat_statements\"?($|[ ,])'")
    if not int(loaded[0]["n"]):
        raise SkipCheck(_NOT_LOADED)


@handler("pg_top_queries")
def top_queries(session: "AnalysisSession", check: "Check") -> list[dict[str, Any]]:
    _require_pg_stat_statements(session)
    return session.query(catalog.sql_text(check))


# pg_get_viewdef() prints the parsed tree, not what was typed: LIKE comes back as the operator ~~, and NULL and
# string literals carry casts (`email = NULL::text`, `'%x'::text`). That hides the defect from the linter's rules, so
# views are turned back into the spelling a person writes. Quoted names are matched first and left untouched. (A
# view's SELECT * is expanded to its column list when the view is created, so PostgreSQL itself hides that one.)
_CAST = r"""::(?:"[^"]+"|[a-z_][\w.]*)(?:\s+(?:varying|precision|with(?:out)?\s+time\s+zone))?""" \
        r"""(?:\(\d+(?:,\s*\d+)?\))?(?:\[\])*"""
_VIEWDEF_TOKENS = re.compile(
    r"""(?P<lit>'(?:[^']|'')*')(?:""" + _CAST + r""")?|(?P<ident>"(?:[^"]|"")*")|"""
    r"""(?P<op>!~~\*|~~\*|!~~|~~)|\bNULL""" + _CAST, re.I)
_LIKE_OPERATORS = {"~~": "LIKE", "!~~": "NOT LIKE", "~~*": "ILIKE", "!~~*": "NOT ILIKE"}


def _as_written(viewdef: str) -> str:
    def spell(match: re.Match[str]) -> str:
        if match.group("op"):
            return _LIKE_OPERATORS[match.group("op")]
        return match.group("lit") or match.group("ident") or "NULL"

    return _VIEWDEF_TOKENS.sub(spell, viewdef)


@handler("pg_stored_code_lint")
def stored_code_lint(session: "AnalysisSession", check: "Check") -> list[dict[str, Any]]:
    objects = []
    for r in session.query(catalog.sql_text(check)):
        definition = r["definition"]
        if definition and r["object_type"] in ("view", "materialized view"):
            definition = _as_written(definition)
        objects.append((r["schema_name"], r["object_name"], r["object_type"], definition))
    return lint_handler(session, check, objects)
