"""ODBC connection strings: parsing, engine detection from the driver name, and redaction.

The connection string is a secret, but the allow-list and error messages need its host, port and database; this
module is the one place that looks inside it, so nothing else is tempted to log it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

ENGINES = ("sqlserver", "postgresql", "mysql", "sqlite")

# Driver-name fragments → engine. Order matters: "MariaDB ODBC" must not fall through to anything else.
_DRIVER_ENGINES = (
    ("postgres", "postgresql"),
    ("mariadb", "mysql"),
    ("mysql", "mysql"),
    ("sqlite", "sqlite"),
    ("sql server", "sqlserver"),
    ("freetds", "sqlserver"),
    ("tds", "sqlserver"),
)

_SECRET_KEYS = {"pwd", "password", "accesstoken", "access_token", "token", "secret", "authentication_key"}
# `key=value` for each secret keyword; a braced value runs to the closing `}` past `}}` escapes (as `parse` reads it),
# so `Pwd={ab}}c;d}` is hidden whole rather than up to its first `}`.
_SECRET_ASSIGNMENT = re.compile(
    r"(?i)\b(" + "|".join(sorted(_SECRET_KEYS, key=len, reverse=True)) + r")\s*=\s*(\{(?:[^}]|\}\})*\}|[^;\s]*)")


class ConnectionStringError(ValueError):
    """The connection string cannot be used; the message names the keyword, never a value."""


@dataclass(frozen=True)
class ConnectionInfo:
    engine: str
    driver: str
    host: str | None
    port: int | None
    database: str | None

    def target(self) -> str:
        """`host:port` (or the SQLite file) for messages: identifies the target without any credential."""
        if self.engine == "sqlite":
            return self.database or "(sqlite)"
        return f"{self.host}:{self.port}" if self.port else str(self.host)


def parse(conn_str: str) -> dict[str, str]:
    """Keywords (lower-cased) → values; understands `{...}` quoting with `}}` escapes."""
    result: dict[str, str] = {}
    i, n = 0, len(conn_str)
    while i < n:
        while i < n and conn_str[i] in " ;":
            i += 1
        eq = conn_str.find("=", i)
        if eq < 0:
            if conn_str[i:].strip():
                raise ConnectionStringError("connectionString: expected keyword=value pairs separated by ';'")
            break
        key = conn_str[i:eq].strip().lower()
        i = eq + 1
        if i < n and conn_str[i] == "{":
            j, value = i + 1, []
            while j < n:
                if conn_str[j] == "}":
                    if j + 1 < n and conn_str[j + 1] == "}":
                        value.append("}")
                        j += 2
                        continue
                    break
                value.append(conn_str[j])
                j += 1
            else:
                raise ConnectionStringError(f"connectionString: unterminated '{{' in the value of {key}")
            result[key] = "".join(value)
            i = j + 1
        else:
            j = conn_str.find(";", i)
            j = n if j < 0 else j
            result[key] = conn_str[i:j].strip()
            i = j
        if not key:
            raise ConnectionStringError("connectionString: empty keyword")
    return result


def engine_of_driver(driver: str) -> str | None:
    lowered = driver.lower()
    for fragment, engine in _DRIVER_ENGINES:
        if fragment in lowered:
            return engine
    if re.match(r"odbc driver \d+ for sql server", lowered):
        return "sqlserver"
    return None


def describe(conn_str: str) -> ConnectionInfo:
    """Engine, host, port and database of a connection string (raises `ConnectionStringError`)."""
    parts = parse(conn_str)
    driver = parts.get("driver", "")
    if not driver:
        raise ConnectionStringError(
            "connectionString: the Driver keyword is required (e.g. Driver={PostgreSQL Unicode})")
    engine = engine_of_driver(driver)
    if engine is None:
        raise ConnectionStringError(f"connectionString: unsupported driver '{driver}'")
    if engine == "sqlite":
        return ConnectionInfo(engine, driver, None, None, parts.get("database"))
    host = parts.get("server") or parts.get("servername") or parts.get("host") or parts.get("address")
    port_text = parts.get("port")
    if host and engine == "sqlserver":
        host = host.removeprefix("tcp:")
        if "," in host:
            host, port_text = host.split(",", 1)
    port = None
    if port_text:
        try:
            port = int(port_text)
        except ValueError:
            raise ConnectionStringError("connectionString: Port must be a number") from None
    default_port = {"postgresql": 5432, "mysql": 3306, "sqlserver": 1433}[engine]
    database = parts.get("database") or parts.get("initial catalog") or parts.get("db")
    return ConnectionInfo(engine, driver, host, port or default_port, database)


def redact(text: str, *secrets: str) -> str:
    """Remove credentials from free text (driver error messages sometimes echo the connection string)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _SECRET_ASSIGNMENT.sub(r"\1=***", text)


def secret_values(conn_str: str) -> list[str]:
    """The values that must never be shown (passwords, tokens) — for `redact`."""
    try:
        parts = parse(conn_str)
    except ConnectionStringError:
        return [conn_str]
    return [v for k, v in parts.items() if k in _SECRET_KEYS and v] + [conn_str]
