"""Validation of an analysis request (HTTP body or queue message) before anything is created or opened.

Everything a client can get wrong is reported at once as 400 problem+json naming each field, and nothing is
written. The allow-list is enforced here, before a job exists: the server must not become a tool for probing
internal networks (host globs) or reading local files (SQLite paths are resolved with `realpath`, so `..` and
symlinks cannot escape the allowed directories), and ODBC keywords that load code or read server-side files are
refused.

Connection strings (ad-hoc and named alike) go through `connstr.analyse`: parsed the way the named driver parses
them, checked keyword by keyword against that driver's allow-list, and rebuilt; the rebuilt string is what is stored
and later handed to the driver. `connection_problem` applies the host and file allow-lists to every keyword that
names a host or a file, here and again in the activity that opens the connection (a named connection's setting may
change between the two).
"""
from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass
from typing import Any

from shared import settings
from shared.analyzer import catalog, connstr
from shared.analyzer.model import ANALYSIS_TYPES
from shared.analyzer.models import AnalysisOptions
from shared.api.problems import FieldError, Problem, invalid
from shared.secrets import SecretStr

TOP_LEVEL_FIELDS = ("connectionString", "connectionName", "analysisType", "options")
OPTION_FIELDS = ("checks", "excludeChecks", "schemas", "timeoutSeconds")
MAX_TIMEOUT_SECONDS = 600
_NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")

@dataclass(frozen=True)
class StartRequest:
    """A validated request. `connection_string` is set for ad-hoc requests, `connection_name` for named ones."""

    analysis_type: str
    options: AnalysisOptions
    info: connstr.ConnectionInfo
    connection_string: SecretStr | None = None
    connection_name: str | None = None

    @property
    def target(self) -> str:
        """What to show for the target: `host:port/database` or the SQLite file; never a credential."""
        if self.info.engine == "sqlite":
            return self.info.target()
        return f"{self.info.target()}/{self.info.database}" if self.info.database else self.info.target()


def parse_start_request(body: Any, *, from_queue: bool = False) -> StartRequest:
    """Validate a start request; raises `Problem` (400) listing every invalid field."""
    if not isinstance(body, dict):
        raise invalid([FieldError("body", "must be a JSON object")])
    errors: list[FieldError] = []
    for key in body:
        if key not in TOP_LEVEL_FIELDS:
            errors.append(FieldError(key, f"unknown field; allowed: {', '.join(TOP_LEVEL_FIELDS)}"))

    analysis_type = body.get("analysisType", "comprehensive")
    if not isinstance(analysis_type, str) or analysis_type not in ANALYSIS_TYPES:
        errors.append(FieldError("analysisType", f"must be one of {', '.join(ANALYSIS_TYPES)}"))
        analysis_type = "comprehensive"

    conn_str, name, field_name = _connection_source(body, from_queue, errors)
    info = _connection_info(conn_str, field_name, errors) if conn_str is not None else None
    options = _options(body.get("options"), info.info.engine if info else None, errors)
    if errors:
        raise invalid(errors)
    assert info is not None and conn_str is not None
    if name is None:
        _require_secret_key()
    return StartRequest(analysis_type, options, info.info,
                        SecretStr(info.odbc) if name is None else None, name)


def _connection_source(body: dict[str, Any], from_queue: bool,
                       errors: list[FieldError]) -> tuple[str | None, str | None, str]:
    has_string, has_name = "connectionString" in body, "connectionName" in body
    if from_queue and has_string:
        errors.append(FieldError("connectionString", "not accepted in queue messages (they are stored in plain "
                                 "text); configure a named connection and send connectionName"))
        return None, None, "connectionString"
    if has_string and has_name:
        errors.append(FieldError("connectionString", "give either connectionString or connectionName, not both"))
        return None, None, "connectionString"
    if has_name:
        name = body["connectionName"]
        if not isinstance(name, str) or not _NAME.match(name):
            errors.append(FieldError("connectionName", "must be 1-64 letters, digits or underscores"))
            return None, None, "connectionName"
        value = settings.analyzer_named_connection(name)
        if not value:
            errors.append(FieldError("connectionName", f"no connection named '{name}' is configured "
                                     f"(app setting ANALYZER_CONNECTION_{name.upper()})"))
            return None, None, "connectionName"
        return value, name, "connectionName"
    if not has_string:
        wanted = "connectionName" if from_queue else "connectionString"
        errors.append(FieldError(wanted, "is required (a connectionString or the connectionName of a configured "
                                 "connection)" if not from_queue else "is required"))
        return None, None, wanted
    value = body["connectionString"]
    if not isinstance(value, str):
        errors.append(FieldError("connectionString", "must be a string"))
        return None, None, "connectionString"
    if not value.strip():
        errors.append(FieldError("connectionString", "must not be empty"))
        return None, None, "connectionString"
    return value, None, "connectionString"


def _connection_info(conn_str: str, field_name: str, errors: list[FieldError]) -> connstr.Connection | None:
    try:
        connection = connstr.analyse(conn_str)
    except connstr.ConnectionStringError as exc:
        # The parser's messages name keywords, never values; re-home them under the field actually sent.
        errors.append(FieldError(field_name, str(exc).removeprefix("connectionString: ")))
        return None
    problem = connection_problem(connection)
    if problem:
        errors.append(FieldError(field_name, problem))
        return None
    return connection


def connection_problem(connection: connstr.Connection) -> str | None:
    """Why this (parsed) connection may not be opened, or None: the engine allow-list, then the host allow-list
    for every keyword that names a host and the directory allow-list for every keyword that names a file."""
    info = connection.info
    allowed_engines = settings.analyzer_allowed_engines()
    if info.engine not in allowed_engines:
        return (f"driver for {info.engine} is not allowed on this server "
                f"(allowed: {', '.join(allowed_engines) or 'none'}; ANALYZER_ALLOWED_DRIVERS)")
    if info.engine == "sqlite":
        if not connection.files:
            return sqlite_path_problem(None)
        for keyword, path in connection.files:
            problem = sqlite_path_problem(path)
            if problem:
                return f"{keyword}: {problem}"
        return None
    if not connection.hosts:
        return host_problem(None)
    for keyword, host in connection.hosts:
        problem = host_problem(host)
        if problem:
            return f"{keyword}: {problem}"
    return None


def host_problem(host: str | None) -> str | None:
    """Why this host may not be analysed, or None; globs from ANALYZER_ALLOWED_HOSTS, case-insensitive."""
    if not host:
        return "the Server keyword is required"
    name = host.strip().lower().rstrip(".")
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if any(fnmatch.fnmatchcase(name, pattern.lower()) for pattern in settings.analyzer_allowed_hosts()):
        return None
    return f"host {host} is not on the allow-list (ANALYZER_ALLOWED_HOSTS)"


def sqlite_path_problem(database: str | None) -> str | None:
    """Why this SQLite file may not be opened, or None. `realpath` resolves `..` and symlinks before comparing."""
    if not database:
        return "the Database keyword (path of the SQLite file) is required"
    if database.startswith("file:") or database == ":memory:" or "\x00" in database:
        return "Database must be a plain path to an existing SQLite file"
    real = os.path.realpath(database)
    dirs = [os.path.realpath(d) for d in settings.analyzer_allowed_sqlite_dirs()]
    if not any(os.path.commonpath([real, d]) == d for d in dirs):
        return "the SQLite file is outside the allowed directories (ANALYZER_ALLOWED_SQLITE_DIRS)"
    if not os.path.isfile(real):
        return "the SQLite file does not exist"  # the driver would otherwise create an empty one
    return None


def _options(raw: Any, engine: str | None, errors: list[FieldError]) -> AnalysisOptions:
    if raw is None:
        return AnalysisOptions()
    if not isinstance(raw, dict):
        errors.append(FieldError("options", "must be a JSON object"))
        return AnalysisOptions()
    for key in raw:
        if key not in OPTION_FIELDS:
            errors.append(FieldError(f"options.{key}", f"unknown option; allowed: {', '.join(OPTION_FIELDS)}"))
    checks = _check_ids(raw, "checks", engine, errors)
    exclude = _check_ids(raw, "excludeChecks", engine, errors)
    schemas = _strings(raw, "schemas", errors)
    timeout = raw.get("timeoutSeconds")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int)
                                or not 1 <= timeout <= MAX_TIMEOUT_SECONDS):
        errors.append(FieldError("options.timeoutSeconds", f"must be an integer from 1 to {MAX_TIMEOUT_SECONDS}"))
        timeout = None
    if checks and exclude and set(checks) <= set(exclude):
        errors.append(FieldError("options.excludeChecks", "excludes every check listed in options.checks"))
    return AnalysisOptions(checks, exclude, schemas, timeout)


def _strings(raw: dict[str, Any], key: str, errors: list[FieldError]) -> list[str]:
    value = raw.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        errors.append(FieldError(f"options.{key}", "must be a list of non-empty strings"))
        return []
    if len(value) > 500:
        errors.append(FieldError(f"options.{key}", "at most 500 entries"))
        return []
    return [v.strip() for v in value]


def _check_ids(raw: dict[str, Any], key: str, engine: str | None, errors: list[FieldError]) -> list[str]:
    ids = _strings(raw, key, errors)
    known = catalog.by_id()
    unknown = [i for i in ids if i not in known or (engine and known[i].engine != engine)]
    if unknown:
        where = f" for {engine}" if engine else ""
        errors.append(FieldError(f"options.{key}", f"unknown check id(s){where}: {', '.join(unknown[:10])} "
                                 "(see GET /api/v1/analysis/checks)"))
        return []
    return ids


def _require_secret_key() -> None:
    from shared.secrets import SecretKeyError, check_key

    try:
        check_key()
    except SecretKeyError as exc:
        raise Problem(400, f"connectionString: ad-hoc connection strings are disabled on this server: {exc}; "
                      "use connectionName", [FieldError("connectionString", "not accepted: the server has no "
                                                        "valid ANALYZER_SECRET_KEY; use connectionName")]) from None
