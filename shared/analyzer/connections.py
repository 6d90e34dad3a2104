"""The named connections an operator configured (`ANALYZER_CONNECTION_<NAME>`), described without secrets.

The start form lists them so a DBA never has to paste a password; only what identifies the target (engine, host,
port, database or SQLite file name) leaves the server, and a connection string the parser refuses is listed as
unusable with the parser's message (which names a keyword, never a value).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from shared import settings
from shared.analyzer.connstr import ConnectionStringError, describe


@dataclass(frozen=True)
class NamedConnection:
    name: str
    engine: str | None
    target: str | None
    database: str | None
    usable: bool
    problem: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "engine": self.engine, "target": self.target, "database": self.database,
                "usable": self.usable, "problem": self.problem}


def named_connections() -> list[NamedConnection]:
    found: list[NamedConnection] = []
    for name in settings.analyzer_named_connection_names():
        conn_str = settings.analyzer_named_connection(name) or ""
        try:
            info = describe(conn_str)
        except ConnectionStringError as exc:
            found.append(NamedConnection(name, None, None, None, False, str(exc)))
            continue
        if info.engine == "sqlite":
            # The file name only: the folder layout of the server is not the caller's business.
            database = PurePath(info.database).name if info.database else None
            found.append(NamedConnection(name, info.engine, database, database, True))
        else:
            found.append(NamedConnection(name, info.engine, info.target(), info.database, True))
    return found
