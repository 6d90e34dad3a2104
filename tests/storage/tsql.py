"""Static T-SQL checks of application-database SQL (SQL Server cannot run on the build machine).

sqlglot's T-SQL reader is lenient: it accepts `LIMIT`, `ON CONFLICT`, `RETURNING` and `||` and would translate
them, but SQL Server itself rejects (or, for `||`, misreads) them. So a statement must both parse at error level
RAISE and contain none of the SQLite/PostgreSQL-only constructs listed here, outside string literals.
"""
from __future__ import annotations

import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

# construct -> why SQL Server refuses it
NOT_TSQL: dict[str, tuple[str, str]] = {
    "LIMIT": (r"\bLIMIT\b", "paging must go through Database.limit() (OFFSET ... FETCH NEXT on SQL Server)"),
    "ON CONFLICT": (r"\bON\s+CONFLICT\b", "no upsert clause on SQL Server: insert and catch IntegrityError"),
    "INSERT OR": (r"\bINSERT\s+OR\s+(REPLACE|IGNORE)\b", "SQLite only: insert and catch IntegrityError"),
    "RETURNING": (r"\bRETURNING\b", "SQL Server uses OUTPUT; select the row again instead"),
    "||": (r"\|\|", "string concatenation is + on SQL Server (|| is not an operator there)"),
    "ILIKE": (r"\bILIKE\b", "PostgreSQL only; compare LOWER() values"),
    "TRUE/FALSE": (r"\b(TRUE|FALSE)\b", "no boolean literals on SQL Server: {bool} columns hold 0/1"),
    "AUTOINCREMENT": (r"\bAUTO_?INCREMENT\b", "ids are app-generated strings, never autoincrement"),
    "SERIAL": (r"\b(BIG|SMALL)?SERIAL\b", "ids are app-generated strings, never autoincrement"),
    "IF NOT EXISTS": (r"\bIF\s+NOT\s+EXISTS\b", "CREATE ... IF NOT EXISTS does not exist on SQL Server"),
    "::": (r"::", "PostgreSQL cast syntax; use CAST(x AS type)"),
    "BOOLEAN": (r"\bBOOL(EAN)?\b", "no BOOLEAN type on SQL Server: use {bool}"),
    "TEXT type": (r"\bTEXT\b", "TEXT is deprecated on SQL Server and not comparable: use {text} (NVARCHAR(MAX))"),
    "NULLS FIRST/LAST": (r"\bNULLS\s+(FIRST|LAST)\b", "not supported by SQL Server"),
    "double quotes": (r'"', "identifiers stay unquoted (QUOTED_IDENTIFIER differs per driver)"),
}

_LITERAL = re.compile(r"'(?:[^']|'')*'")


def problems(sql: str) -> list[str]:
    """Why SQL Server would refuse `sql` (empty when it is fine)."""
    found: list[str] = []
    try:
        parsed = [s for s in sqlglot.parse(sql, read="tsql", error_level=ErrorLevel.RAISE) if s is not None]
    except sqlglot.errors.SqlglotError as exc:
        return [f"does not parse as T-SQL: {str(exc).splitlines()[0][:200]}"]
    if len(parsed) != 1:
        found.append(f"{len(parsed)} statements in one string (the facade sends one at a time)")
    code = _LITERAL.sub("''", sql)
    for name, (pattern, why) in NOT_TSQL.items():
        if re.search(pattern, code, re.IGNORECASE):
            found.append(f"{name}: {why}")
    if re.search(r"\bOFFSET\b", code, re.I) and not re.search(r"\bORDER\s+BY\b", code, re.I):
        found.append("OFFSET without ORDER BY: SQL Server requires ORDER BY for OFFSET ... FETCH")
    for select in (parsed[0].find_all(exp.Select) if parsed else ()):
        if select.args.get("distinct") and select.args.get("order"):
            ordered = {o.this.sql() for o in select.args["order"].expressions}
            shown = {e.alias_or_name for e in select.expressions} | {e.sql() for e in select.expressions}
            if not ordered <= shown:
                found.append("SELECT DISTINCT ordered by a column it does not select (refused by SQL Server)")
    return found


# Storage size in bytes of a key column, per SQL Server type (as rendered by the sqlserver placeholder mapping).
def key_bytes(type_sql: str) -> int | None:
    """Bytes the type takes in an index key; None for types that cannot be a key column (MAX types)."""
    t = type_sql.upper().replace(" ", "")
    if "(MAX)" in t:
        return None
    size = re.search(r"\((\d+)\)", t)
    if t.startswith(("NVARCHAR", "NCHAR")):
        return 2 * int(size.group(1)) if size else 2
    if t.startswith(("VARCHAR", "CHAR", "VARBINARY", "BINARY")):
        return int(size.group(1)) if size else 1
    return {"BIGINT": 8, "INT": 4, "SMALLINT": 2, "TINYINT": 1, "BIT": 1}.get(re.sub(r"\(.*", "", t), 8)
