"""ODBC connection strings: parsed once, the way the target's driver parses them, and rebuilt from an allow-list.

Why rebuilt: the driver manager (unixODBC) and each driver tokenise a connection string their own way. The SQLite
ODBC driver splits on `;` and ignores braces, so `X={;LoadExt=/x.so;}` is one harmless value to a brace-aware parser
and a `LoadExt` (native code loaded into the host) to the driver; psqlODBC keeps the last of two `Server`s, the
SQLite driver the first of two `Database`s; `pqopt={hostaddr=...}` names a host the allow-list never sees. So the
string is tokenised with the rules of the driver it names (`DIALECTS`), every keyword must be on that driver's
allow-list (an allowed set, not a blocklist), duplicates and braces the driver does not honour are refused, every
value must have the shape its role needs (a host name, a port number, a database name), and the string handed to the
driver is REBUILT from those checked values — the caller's text never reaches the driver. Errors name the keyword,
never a value.

This module is also the one place that looks inside a connection string for redaction (`redact`,
`secret_values`), so nothing else is tempted to log it.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum

from shared import settings

ENGINES = ("sqlserver", "postgresql", "mysql", "sqlite")


class Role(Enum):
    """What a keyword's value is; the role decides its syntax check and which allow-list applies to it."""

    DRIVER = "driver"
    HOST = "host"          # checked against ANALYZER_ALLOWED_HOSTS
    FILE = "file"          # a local file, checked against ANALYZER_ALLOWED_SQLITE_DIRS
    PORT = "port"
    DATABASE = "database"  # a database name on the server (never a path, never a nested connection string)
    USER = "user"
    SECRET = "secret"      # may hold any character the driver can quote; never shown
    CHOICE = "choice"      # one of a fixed set of values


@dataclass(frozen=True)
class Keyword:
    name: str                        # as written in the rebuilt string
    role: Role
    choices: tuple[str, ...] = ()    # for Role.CHOICE, compared case-insensitively


@dataclass(frozen=True)
class Dialect:
    """How one ODBC driver reads a connection string, and which of its keywords this server accepts.

    `braces`: a value starting with `{` runs to the matching `}` (may then hold `;`). `brace_escape`: inside braces
    `}}` stands for `}` (where that is not verified for a driver, a `}` in a value is refused). `duplicates` records
    which of two equal keywords the driver keeps — documentation only: duplicates are always refused, because the
    driver manager (first wins for Driver) and the driver may disagree.
    """

    name: str
    engine: str
    driver_names: tuple[str, ...]
    braces: bool
    brace_escape: bool
    duplicates: str
    keywords: tuple[Keyword, ...]
    default_port: int | None = None
    # Appended to every rebuilt string (safety settings). Each is also an allowed keyword with that one value, so a
    # rebuilt string parses again to itself (stored secrets and named connections are re-checked before use).
    fixed: tuple[tuple[str, str], ...] = ()
    keyword_map: dict[str, Keyword] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keyword_map", {k.name.lower(): k for k in self.keywords})


_DRIVER = Keyword("Driver", Role.DRIVER)
_SSLMODE = Keyword("SSLMode", Role.CHOICE, ("disable", "allow", "prefer", "require"))

# Each driver's own tokeniser, checked against its source and live here where it is installed (see
# tests/analyzer/test_connstr_bypasses.py). Only what an analysis needs is allowed: no keyword that names a second
# host (pqopt, Servername, Address, Failover_Partner), a socket, a file other than the SQLite database, a plugin,
# an extension or a statement to run.
DIALECTS: tuple[Dialect, ...] = (
    Dialect("psqlodbc", "postgresql", ("PostgreSQL Unicode", "PostgreSQL ANSI"),
            braces=True, brace_escape=False, duplicates="last",
            keywords=(_DRIVER, Keyword("Server", Role.HOST), Keyword("Port", Role.PORT),
                      Keyword("Database", Role.DATABASE), Keyword("Uid", Role.USER), Keyword("Pwd", Role.SECRET),
                      _SSLMODE),
            default_port=5432),
    Dialect("maodbc", "mysql", ("MariaDB Unicode", "MariaDB", "MySQL ODBC 8.0 Unicode Driver",
                                "MySQL ODBC 8.0 ANSI Driver", "MySQL ODBC 9.0 Unicode Driver"),
            braces=True, brace_escape=True, duplicates="last",
            keywords=(_DRIVER, Keyword("Server", Role.HOST), Keyword("Port", Role.PORT),
                      Keyword("Database", Role.DATABASE), Keyword("Uid", Role.USER), Keyword("Pwd", Role.SECRET)),
            default_port=3306),
    Dialect("sqliteodbc", "sqlite", ("SQLite3",),
            braces=False, brace_escape=False, duplicates="first",
            keywords=(_DRIVER, Keyword("Database", Role.FILE), Keyword("NoCreat", Role.CHOICE, ("1",))),
            # NoCreat: the driver never creates a missing file, even if it vanished after the path was checked.
            fixed=(("NoCreat", "1"),)),
    Dialect("msodbcsql", "sqlserver", ("ODBC Driver 18 for SQL Server", "ODBC Driver 17 for SQL Server"),
            braces=True, brace_escape=True, duplicates="first",
            keywords=(_DRIVER, Keyword("Server", Role.HOST), Keyword("Database", Role.DATABASE),
                      Keyword("Uid", Role.USER), Keyword("Pwd", Role.SECRET),
                      Keyword("Encrypt", Role.CHOICE, ("yes", "no", "mandatory", "optional", "strict")),
                      Keyword("TrustServerCertificate", Role.CHOICE, ("yes", "no")),
                      Keyword("Authentication", Role.CHOICE, ("SqlPassword", "ActiveDirectoryPassword",
                                                              "ActiveDirectoryMsi", "ActiveDirectoryServicePrincipal",
                                                              "ActiveDirectoryDefault")),
                      Keyword("ApplicationIntent", Role.CHOICE, ("ReadOnly",))),
            default_port=1433, fixed=(("ApplicationIntent", "ReadOnly"),)),
    Dialect("freetds", "sqlserver", ("FreeTDS",),
            braces=True, brace_escape=False, duplicates="last",
            keywords=(_DRIVER, Keyword("Server", Role.HOST), Keyword("Port", Role.PORT),
                      Keyword("Database", Role.DATABASE), Keyword("Uid", Role.USER), Keyword("Pwd", Role.SECRET),
                      Keyword("TDS_Version", Role.CHOICE, ("7.0", "7.1", "7.2", "7.3", "7.4", "8.0")),
                      Keyword("Encryption", Role.CHOICE, ("off", "request", "require"))),
            default_port=1433),
)
_DIALECTS_BY_NAME = {d.name: d for d in DIALECTS}

_SECRET_KEYS = {"pwd", "password", "accesstoken", "access_token", "token", "secret", "authentication_key"}
# `key=value` for each secret keyword; a braced value runs to the closing `}` past `}}` escapes, so `Pwd={ab}}c;d}`
# is hidden whole rather than up to its first `}`.
_SECRET_ASSIGNMENT = re.compile(
    r"(?i)\b(" + "|".join(sorted(_SECRET_KEYS, key=len, reverse=True)) + r")\s*=\s*(\{(?:[^}]|\}\})*\}|[^;\s]*)")

_KEYWORD = re.compile(r"^[A-Za-z][A-Za-z0-9_ ]*$")
# A DNS name or an IPv4/IPv6 literal: no `/` (libpq reads it as a socket directory), no `,` (a list of hosts to
# libpq, a port to SQL Server), no glob characters that could stretch an allow-list pattern.
_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
                   r"[A-Za-z0-9])?)*\.?|\[[0-9A-Fa-f:.]+\])$")
_DATABASE = re.compile(r"^[A-Za-z0-9_$][A-Za-z0-9_$.\- ]{0,127}$")
_USER = re.compile(r"^[^;{}=\x00-\x1f\x7f]{1,256}$")
_SQLSERVER_SERVER = re.compile(r"^(?:tcp:)?(?P<host>[^,\\]+)(?:,(?P<port>\d{1,5}))?$", re.I)


class ConnectionStringError(ValueError):
    """The connection string cannot be used; the message names the keyword, never a value."""

    def __init__(self, message: str, keyword: str | None = None) -> None:
        super().__init__(f"connectionString: {message}")
        self.keyword = keyword


@dataclass(frozen=True)
class ConnectionInfo:
    engine: str
    driver: str
    host: str | None
    port: int | None
    database: str | None
    dialect: str = ""

    def target(self) -> str:
        """`host:port` (or the SQLite file) for messages: identifies the target without any credential."""
        if self.engine == "sqlite":
            return self.database or "(sqlite)"
        return f"{self.host}:{self.port}" if self.port else str(self.host)


@dataclass(frozen=True)
class Connection:
    """A checked connection string: what it points at, every value that names a host or a file (for the
    allow-lists), and `odbc`, the rebuilt string that is the only thing ever handed to the driver (a secret)."""

    info: ConnectionInfo
    odbc: str
    hosts: tuple[tuple[str, str], ...]  # (keyword, host)
    files: tuple[tuple[str, str], ...]  # (keyword, path)

    def __repr__(self) -> str:  # the rebuilt string holds the password
        return f"Connection({self.info!r})"


def configured_driver_names() -> dict[str, Dialect]:
    """Driver name (lower-cased) → dialect: the built-in names plus `ANALYZER_ODBC_DRIVERS` (`Name=dialect`
    pairs separated by `,`, for a server whose odbcinst.ini names a driver differently). A name is a section of
    odbcinst.ini, never a path: the driver manager loads whatever library a path names."""
    names = {n.lower(): d for d in DIALECTS for n in d.driver_names}
    for name, dialect in settings.analyzer_odbc_drivers():
        if dialect in _DIALECTS_BY_NAME and "/" not in name and "\\" not in name:
            names[name.lower()] = _DIALECTS_BY_NAME[dialect]
    return names


# -- tokenising ---------------------------------------------------------------------------------------------------
def tokenize(conn_str: str, *, braces: bool, brace_escape: bool = False) -> Iterator[tuple[str, str, bool]]:
    """(keyword as written, value, was braced) in order, read the way a driver with these rules reads them.

    Strict where drivers are lenient: a segment without `=`, an empty keyword, text after a closing brace and an
    unterminated brace are errors, so no stray text can mean something to the driver that it did not mean here. A
    generator, so the caller checks each keyword as it comes and the error names the first thing that is wrong.
    """
    i, n = 0, len(conn_str)
    while i < n:
        if conn_str[i] == ";":
            i += 1
            continue
        eq = conn_str.find("=", i)
        semi = conn_str.find(";", i)
        if eq < 0 or (0 <= semi < eq):
            end = n if semi < 0 else semi
            if conn_str[i:end].strip():
                raise ConnectionStringError(f"'{_shown(conn_str[i:end])}' is not a keyword=value pair")
            i = end
            continue
        key = conn_str[i:eq].strip()
        if not key:
            raise ConnectionStringError("empty keyword before '='")
        i = eq + 1
        if braces and i < n and conn_str[i] == "{":
            j, value = i + 1, []
            while True:
                if j >= n:
                    raise ConnectionStringError(f"unterminated '{{' in the value of {key}", key)
                if conn_str[j] == "}":
                    if j + 1 < n and conn_str[j + 1] == "}":
                        if not brace_escape:
                            raise ConnectionStringError(
                                f"'}}}}' in the value of {key}: this driver does not read it as an escaped '}}'", key)
                        value.append("}")
                        j += 2
                        continue
                    break
                value.append(conn_str[j])
                j += 1
            i = j + 1
            rest_end = conn_str.find(";", i)
            rest_end = n if rest_end < 0 else rest_end
            if conn_str[i:rest_end].strip():
                raise ConnectionStringError(f"text after the closing '}}' of {key}", key)
            yield key, "".join(value), True
            i = rest_end
        else:
            j = conn_str.find(";", i)
            j = n if j < 0 else j
            yield key, conn_str[i:j].strip(), False
            i = j


def _shown(text: str) -> str:
    """A fragment safe for an error message: short, and cut before anything that looks like a value."""
    return text.strip()[:20]


def parse(conn_str: str) -> dict[str, str]:
    """Keywords (lower-cased) → values, brace-aware and lenient: for redaction only (never for connecting)."""
    try:
        return {k.lower(): v for k, v, _ in tokenize(conn_str, braces=True, brace_escape=True)}
    except ConnectionStringError:
        return {}


# -- analysing ----------------------------------------------------------------------------------------------------
def _driver_dialect(conn_str: str) -> tuple[str, Dialect]:
    """The Driver as the driver manager reads it (braces honoured, `}}` escaped, first one wins)."""
    try:
        pairs = list(tokenize(conn_str, braces=True, brace_escape=True))
    except ConnectionStringError:
        pairs = []
    drivers = [v for k, v, _ in pairs if k.lower() == "driver"]
    if not drivers:
        if any(k.lower() in ("dsn", "filedsn") for k, _, _ in pairs):
            raise ConnectionStringError("DSN/FILEDSN are not accepted: name the Driver", "DSN")
        raise ConnectionStringError("the Driver keyword is required (e.g. Driver={PostgreSQL Unicode})", "Driver")
    name = drivers[0].strip()
    dialect = configured_driver_names().get(name.lower())
    if dialect is None:
        if "/" in name or "\\" in name or name.lower().endswith((".so", ".dll", ".dylib")):
            raise ConnectionStringError("Driver must be the name of an installed driver, not a path", "Driver")
        known = ", ".join(sorted({n for d in DIALECTS for n in d.driver_names}))
        raise ConnectionStringError(f"unsupported Driver (configured: {known}; ANALYZER_ODBC_DRIVERS)", "Driver")
    return name, dialect


def analyse(conn_str: str) -> Connection:
    """Parse with the named driver's rules, check every keyword and value, and rebuild; raises
    `ConnectionStringError` naming the first offending keyword."""
    try:
        conn_str.encode("utf-8")
    except UnicodeEncodeError:
        raise ConnectionStringError("must be valid Unicode text (it holds a lone surrogate)") from None
    if any(ord(c) < 0x20 and c not in "\t" or c == "\x7f" for c in conn_str):
        raise ConnectionStringError("must not contain control characters")
    driver_name, dialect = _driver_dialect(conn_str)
    values: dict[str, tuple[str, bool]] = {}
    for key, value, braced in tokenize(conn_str, braces=dialect.braces, brace_escape=dialect.brace_escape):
        lowered = key.lower()
        keyword = dialect.keyword_map.get(lowered)
        if keyword is None or not _KEYWORD.match(key):
            allowed = ", ".join(k.name for k in dialect.keywords)
            raise ConnectionStringError(f"the keyword {key[:40]} is not allowed for {driver_name} "
                                        f"(allowed: {allowed})", key[:40])
        if lowered in values:
            raise ConnectionStringError(f"the keyword {key} is given twice (the driver manager and the driver may "
                                        "not read the same one)", key)
        if keyword.role is Role.DRIVER:
            value = value.strip("{}") if not dialect.braces else value
        elif not dialect.braces and ("{" in value or "}" in value):
            raise ConnectionStringError(f"braces in the value of {keyword.name}: {driver_name} does not honour them "
                                        "(it splits at every ';')", keyword.name)
        elif braced and keyword.role is not Role.SECRET:
            raise ConnectionStringError(f"braces are only accepted around Driver and Pwd, not {keyword.name}",
                                        keyword.name)
        values[lowered] = (value, braced)
    return _check_and_rebuild(dialect, driver_name, values)


def _check_and_rebuild(dialect: Dialect, driver_name: str, values: dict[str, tuple[str, bool]]) -> Connection:
    hosts: list[tuple[str, str]] = []
    files: list[tuple[str, str]] = []
    host: str | None = None
    port: int | None = None
    database: str | None = None
    out: list[tuple[str, str, bool]] = [("Driver", driver_name, True)]
    for keyword in dialect.keywords:
        given = values.get(keyword.name.lower())
        if given is None or keyword.role is Role.DRIVER:
            continue
        value, braced = given
        if keyword.role is Role.HOST:
            host_value = value
            if dialect.name == "msodbcsql":
                match = _SQLSERVER_SERVER.match(value)
                if not match:
                    raise ConnectionStringError("Server must be host or tcp:host,port", keyword.name)
                host_value = match.group("host")
                if match.group("port"):
                    port = _port(match.group("port"), keyword.name)
            if not _HOST.match(host_value):
                raise ConnectionStringError(f"{keyword.name} must be a host name or an IP address", keyword.name)
            host = host_value
            hosts.append((keyword.name, host_value))
        elif keyword.role is Role.PORT:
            port = _port(value, keyword.name)
        elif keyword.role is Role.DATABASE:
            if not _DATABASE.match(value):
                raise ConnectionStringError(f"{keyword.name} must be a database name (letters, digits, _ $ . -)",
                                            keyword.name)
            database = value
        elif keyword.role is Role.FILE:
            if not value or ";" in value or "=" in value:
                raise ConnectionStringError(f"{keyword.name} must be a plain path", keyword.name)
            database = value
            files.append((keyword.name, value))
        elif keyword.role is Role.USER:
            if value and not _USER.match(value):
                raise ConnectionStringError(f"{keyword.name} holds characters a user name cannot have",
                                            keyword.name)
        elif keyword.role is Role.CHOICE:
            wanted = {c.lower(): c for c in keyword.choices}
            if value.lower() not in wanted:
                raise ConnectionStringError(f"{keyword.name} must be one of {', '.join(keyword.choices)}",
                                            keyword.name)
            value = wanted[value.lower()]
        out.append((keyword.name, value, braced))
    for name, value in dialect.fixed:
        if name.lower() not in {k.lower() for k, _, _ in out}:
            out.append((name, value, False))
    if dialect.engine != "sqlite" and host is None:
        raise ConnectionStringError("the Server keyword is required", "Server")
    info = ConnectionInfo(dialect.engine, driver_name, host, (port or dialect.default_port) if host else None,
                          database, dialect.name)
    return Connection(info, ";".join(f"{k}={_quote(v, b)}" for k, v, b in out) + ";", tuple(hosts), tuple(files))


def _port(value: str, keyword: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise ConnectionStringError(f"{keyword} must be a number from 1 to 65535", keyword)
    return int(value)


def _quote(value: str, braced: bool) -> str:
    """A value as it was given: braced (with `}}` for `}`, which the tokeniser only let through where the driver reads
    it as an escape) or bare. Never braces that were not there: psqlODBC keeps the braces of some values verbatim
    (`Database={x}` asks for a database named `{x}`), so adding them would change what the driver reads. Bare
    values cannot hold `;` (the tokeniser split there), and only Driver and secrets may be braced."""
    return "{" + value.replace("}", "}}") + "}" if braced else value


def describe(conn_str: str) -> ConnectionInfo:
    """Engine, host, port and database of a connection string (raises `ConnectionStringError`)."""
    return analyse(conn_str).info


def engine_of_driver(driver: str) -> str | None:
    dialect = configured_driver_names().get(driver.strip().lower())
    return dialect.engine if dialect else None


# -- redaction -----------------------------------------------------------------------------------------------------
def redact(text: str, *secrets: str) -> str:
    """Remove credentials from free text (driver error messages sometimes echo the connection string)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _SECRET_ASSIGNMENT.sub(r"\1=***", text)


def secret_values(conn_str: str) -> list[str]:
    """The values that must never be shown (passwords, tokens) — for `redact`."""
    parts = parse(conn_str)
    if not parts:
        return [conn_str]
    return [v for k, v in parts.items() if k in _SECRET_KEYS and v] + [conn_str]
