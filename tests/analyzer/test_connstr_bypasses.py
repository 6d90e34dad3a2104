"""Every connection-string bypass of issue 7, as data: each one is refused with a 400 naming the keyword, and where
its driver is installed here the refusal is proved live — a listener on 127.0.0.2 (or a Unix socket) that must
receive nothing, a marker library whose constructor writes a file and must never load, a file outside the allowed
folder that must never be created.

The same detectors are first pointed at the raw driver with the same string (`test_the_bypass_is_real`): the effect
happens there, so a parser that let the string through would be caught by the detector, not just by the 400.
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from shared.analyzer import connstr
from shared.analyzer.requests import parse_start_request
from shared.analyzer.session import AnalysisSession
from shared.api.problems import Problem
from shared.storage.db import Database


class Effect(Enum):
    NONE = "none"                # refused by keyword; no observable effect verified (or the driver is not here)
    TCP = "tcp"                  # the driver connects to 127.0.0.2
    UNIX_SOCKET = "unix-socket"  # the driver connects to a Unix socket of the caller's choosing
    LIBRARY = "library"          # native code is loaded into the process
    FILE = "file"                # a file is created outside the allowed folder


@dataclass(frozen=True)
class Bypass:
    id: str
    template: str  # {tcp}: port of the 127.0.0.2 listener, {sock}, {marker}, {allowed}, {outside}
    keyword: str   # the 400 names it
    effect: Effect = Effect.NONE


_PG = "Driver={{PostgreSQL Unicode}};Database=postgres;Uid=postgres;Pwd=;"
_MARIA = "Driver={{MariaDB Unicode}};Uid=root;Pwd=;"
_SQLITE = "Driver={{SQLite3}};Database={allowed}/shop.db;"
_MSSQL = "Driver={{ODBC Driver 18 for SQL Server}};Server=127.0.0.1;Database=x;Uid=a;Pwd=b;"

BYPASSES: tuple[Bypass, ...] = (
    # 1. native code loaded into the host
    Bypass("sqlite-braces-hide-loadext", _SQLITE + "X={{;LoadExt={marker};}};", "X", Effect.LIBRARY),
    Bypass("sqlite-loadext", _SQLITE + "LoadExt={marker}", "LoadExt", Effect.LIBRARY),
    Bypass("driver-is-a-path", "Driver={marker};Server=127.0.0.1;Database={allowed}/shop.db", "Driver",
           Effect.LIBRARY),
    Bypass("driver-is-a-braced-path", "Driver={{{marker}}};Server=127.0.0.1;", "Driver", Effect.LIBRARY),
    # 2. allow-list bypasses
    Bypass("pg-pqopt-hostaddr", _PG + "Server=127.0.0.1;Port={tcp};pqopt={{hostaddr=127.0.0.2}}", "pqopt",
           Effect.TCP),
    Bypass("pg-servername-after-server", _PG + "Server=127.0.0.1;Servername=127.0.0.2;Port={tcp}", "Servername",
           Effect.TCP),
    Bypass("pg-duplicate-server", _PG + "Server=127.0.0.1;Server=127.0.0.2;Port={tcp}", "Server", Effect.TCP),
    Bypass("pg-host-list-matches-a-glob", _PG + "Server=127.0.0.2,db.allowed.localhost;Port={tcp}", "Server",
           Effect.TCP),
    Bypass("pg-socket-directory", _PG + "Server=/tmp;Port={tcp}", "Server"),
    Bypass("mariadb-servername-after-server", _MARIA + "Server=127.0.0.1;Servername=127.0.0.2;Port={tcp}",
           "Servername", Effect.TCP),
    Bypass("mariadb-socket", _MARIA + "Server=127.0.0.1;Port=3306;Socket={sock}", "Socket", Effect.UNIX_SOCKET),
    Bypass("sqlite-two-databases", "Driver={{SQLite3}};Database={outside}/created.db;Database={allowed}/shop.db",
           "Database", Effect.FILE),
    Bypass("sqlite-database-with-braces", "Driver={{SQLite3}};Database={{{outside}/created.db}};", "Database"),
    # accepted before without a verified effect: refused by the allow-list all the same
    Bypass("mariadb-tlskey", _MARIA + "Server=127.0.0.1;TLSKEY=/etc/ssl/private/k.pem", "TLSKEY"),
    Bypass("mariadb-sslcapath", _MARIA + "Server=127.0.0.1;SSLCAPATH=/etc", "SSLCAPATH"),
    Bypass("mariadb-serverkey", _MARIA + "Server=127.0.0.1;SERVERKEY=/etc/passwd", "SERVERKEY"),
    Bypass("mariadb-use-mycnf", _MARIA + "Server=127.0.0.1;USE_MYCNF=1", "USE_MYCNF"),
    Bypass("mariadb-plugin-dir", _MARIA + "Server=127.0.0.1;PLUGIN_DIR=/tmp", "PLUGIN_DIR"),
    Bypass("mariadb-initstmt", _MARIA + "Server=127.0.0.1;InitStmt=SET GLOBAL x=1", "InitStmt"),
    Bypass("pg-passfile", _PG + "Server=127.0.0.1;passfile=/etc/passwd", "passfile"),
    Bypass("pg-sslcrl", _PG + "Server=127.0.0.1;sslcrl=/etc/passwd", "sslcrl"),
    Bypass("pg-sslpassword", _PG + "Server=127.0.0.1;sslpassword=x", "sslpassword"),
    Bypass("pg-connsettings", _PG + "Server=127.0.0.1;ConnSettings={{SET x=1}}", "ConnSettings"),
    Bypass("pg-database-is-a-connection-string", _PG.replace("Database=postgres;", "") +
           "Server=127.0.0.1;Database=host=127.0.0.2", "Database"),
    Bypass("sqlserver-address", _MSSQL + "Address=10.0.0.1", "Address"),
    Bypass("sqlserver-addr", _MSSQL + "Addr=10.0.0.1", "Addr"),
    Bypass("sqlserver-failover-partner", _MSSQL + "Failover_Partner=10.0.0.1", "Failover_Partner"),
    Bypass("sqlserver-named-pipe", _MSSQL.replace("Server=127.0.0.1", "Server=np:\\\\10.0.0.1\\pipe\\sql"),
           "Server"),
    Bypass("dsn-instead-of-driver", "DSN=anything;Server=127.0.0.1", "DSN"),
    Bypass("savefile", _PG + "Server=127.0.0.1;SAVEFILE=/tmp/x.dsn", "SAVEFILE"),
    Bypass("sqlite2-driver-not-configured", "Driver={{SQLite}};Database={allowed}/shop.db", "Driver"),
    Bypass("escaped-brace-where-not-honoured", _PG + "Server=127.0.0.1;Pwd={{a}}}};pqopt=x}}", "Pwd"),
    Bypass("case-insensitive-duplicate", _PG + "Server=127.0.0.1;SERVER=127.0.0.2;Port={tcp}", "SERVER",
           Effect.TCP),
)

_MARKER_SOURCE = """
#include <stdio.h>
__attribute__((constructor)) static void marker_loaded(void) {
    FILE *f = fopen(MARKER_FILE, "a");
    if (f) { fputs("loaded\\n", f); fclose(f); }
}
"""


def build_marker(folder: Path, name: str) -> tuple[Path, Path]:
    """(library, marker file): a fresh library whose constructor appends to the marker file when it is loaded —
    by any process. One per case: a library already loaded would not run its constructor again."""
    if shutil.which("gcc") is None:
        pytest.fail("gcc is needed to build the marker library")
    source, library, marker = folder / f"{name}.c", folder / f"{name}.so", folder / f"{name}.loaded"
    source.write_text(_MARKER_SOURCE)
    subprocess.run(["gcc", "-shared", "-fPIC", f'-DMARKER_FILE="{marker}"', "-o", str(library), str(source)],
                   check=True)
    return library, marker


@dataclass
class World:
    """The paths and listeners a case is rendered with, and what each detector has seen."""

    tmp: Path
    allowed: Path
    outside: Path
    tcp_port: int
    sock: Path
    tcp_hits: list[str]
    sock_hits: list[int]
    marker: Callable[[str], Path]

    def render(self, case: Bypass) -> tuple[str, Path]:
        marker_so = self.marker(case.id) if "{marker}" in case.template else self.tmp / "none.so"
        text = case.template.format(tcp=self.tcp_port, sock=self.sock, marker=marker_so, allowed=self.allowed,
                                    outside=self.outside)
        return text, self.tmp / f"{case.id}.loaded"

    def effect_seen(self, case: Bypass, loaded_file: Path) -> bool:
        return {Effect.NONE: False, Effect.TCP: bool(self.tcp_hits), Effect.UNIX_SOCKET: bool(self.sock_hits),
                Effect.LIBRARY: loaded_file.exists(),
                Effect.FILE: (self.outside / "created.db").exists()}[case.effect]


def _listen_tcp(host: str, hits: list[str]) -> socket.socket:
    server = socket.socket()
    server.bind((host, 0))
    server.listen(20)

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            hits.append(host)
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
    return server


def _listen_unix(path: Path, hits: list[int]) -> socket.socket:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.listen(20)

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            hits.append(1)
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
    return server


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    allowed, outside = tmp_path / "allowed", tmp_path / "outside"
    allowed.mkdir()
    outside.mkdir()
    shutil.copy(Path(__file__).resolve().parents[2] / "samples" / "shop.db", allowed / "shop.db")
    monkeypatch.setenv("ANALYZER_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("ANALYZER_ALLOWED_HOSTS", "127.0.0.1,localhost,*.allowed.localhost")
    monkeypatch.setenv("ANALYZER_ALLOWED_SQLITE_DIRS", str(allowed))
    monkeypatch.delenv("ANALYZER_ALLOWED_DRIVERS", raising=False)
    tcp_hits: list[str] = []
    sock_hits: list[int] = []
    tcp = _listen_tcp("127.0.0.2", tcp_hits)
    unix = _listen_unix(tmp_path / "mysqld.sock", sock_hits)

    def marker(case_id: str) -> Path:
        return build_marker(tmp_path, case_id)[0]

    yield World(tmp_path, allowed, outside, tcp.getsockname()[1], tmp_path / "mysqld.sock", tcp_hits, sock_hits,
                marker)
    tcp.close()
    unix.close()


def _refusal(body: dict[str, object]) -> dict[str, str]:
    with pytest.raises(Problem) as caught:
        parse_start_request(body)
    assert caught.value.status == 400
    return {e.field: e.message for e in caught.value.errors}


def _settle() -> None:
    """Let a listener thread record a connection that has just arrived (ordering, not a time bound)."""
    threading.Event().wait(0.2)


@pytest.mark.parametrize("case", BYPASSES, ids=lambda c: c.id)
def test_refused_with_a_400_naming_the_keyword_and_nothing_happens(case: Bypass, world: World) -> None:
    conn, loaded = world.render(case)
    message = _refusal({"connectionString": conn})["connectionString"]
    assert case.keyword in message
    with pytest.raises(connstr.ConnectionStringError):  # the session re-parses: a stored string cannot slip by
        AnalysisSession(conn, connect_timeout_s=3).open()
    _settle()
    assert not world.tcp_hits and not world.sock_hits
    assert not loaded.exists()
    assert not (world.outside / "created.db").exists()


LIVE = [c for c in BYPASSES if c.effect is not Effect.NONE]


@pytest.mark.parametrize("case", LIVE, ids=lambda c: c.id)
def test_the_bypass_is_real(case: Bypass, world: World) -> None:
    """Control: the raw driver, given the same string, does what the case says, and the detector sees it."""
    import pyodbc

    conn, loaded = world.render(case)
    assert not world.effect_seen(case, loaded)
    try:
        pyodbc.connect(conn, autocommit=True, timeout=3).close()
    except pyodbc.Error:
        pass  # the listeners hang up and the marker is no real driver: the effect happened before the error
    _settle()
    assert world.effect_seen(case, loaded), f"{case.id}: the driver did not show the effect"


def test_a_named_connection_goes_through_the_same_parser(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    conn, loaded = world.render(BYPASSES[0])
    monkeypatch.setenv("ANALYZER_CONNECTION_EVIL", conn)
    assert "X" in _refusal({"connectionName": "evil"})["connectionName"]
    assert not loaded.exists()


def test_the_activity_refuses_a_named_connection_that_became_unsafe(world: World,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A named connection is checked again when the job runs: its app setting may change after the start."""
    from activities.analysis import ConnectionGone, resolve_connection
    from shared.analyzer.models import ConnectionRef

    conn, loaded = world.render(BYPASSES[1])
    monkeypatch.setenv("ANALYZER_CONNECTION_EVIL", conn)
    with pytest.raises(ConnectionGone, match="LoadExt"):
        resolve_connection(Database(f"sqlite:///{world.tmp / 'unused.db'}"), ConnectionRef(connection_name="evil"))
    assert not loaded.exists()


@pytest.mark.parametrize("text", ["Driver={PostgreSQL Unicode};Server=127.0.0.1;Pwd=\ud800;",
                                  "Driver={SQLite3};Database=\udfff.db"])
def test_a_lone_surrogate_is_a_400_not_a_500(text: str, world: World) -> None:
    assert "surrogate" in _refusal({"connectionString": text})["connectionString"]


@pytest.mark.parametrize("conn, engine, rebuilt", [
    ("driver={postgresql unicode}; server = 127.0.0.1 ;port=5432;database=shop db;uid=app;pwd={p;w d}",
     "postgresql", "Driver={postgresql unicode};Server=127.0.0.1;Port=5432;Database=shop db;Uid=app;Pwd={p;w d};"),
    ("Driver={MariaDB Unicode};Server=localhost;Database=shop;Uid=app;Pwd=a{b", "mysql",
     "Driver={MariaDB Unicode};Server=localhost;Database=shop;Uid=app;Pwd=a{b;"),
    ("Driver={SQLite3};Database={allowed}/shop.db;", "sqlite",
     "Driver={{SQLite3}};Database={allowed}/shop.db;NoCreat=1;"),
    ("Driver={ODBC Driver 18 for SQL Server};Server=tcp:x.allowed.localhost,1444;Database=d;Uid=u;Pwd={a}}b;c}",
     "sqlserver", "Driver={ODBC Driver 18 for SQL Server};Server=tcp:x.allowed.localhost,1444;Database=d;Uid=u;"
                  "Pwd={a}}b;c};ApplicationIntent=ReadOnly;"),
])
def test_accepted_strings_are_rebuilt_from_the_checked_values(conn: str, engine: str, rebuilt: str,
                                                              world: World) -> None:
    conn = conn.replace("{allowed}", str(world.allowed))
    request = parse_start_request({"connectionString": conn})
    assert request.info.engine == engine
    assert request.connection_string is not None
    assert request.connection_string.reveal() == rebuilt.replace("{allowed}", str(world.allowed)).replace(
        "{{SQLite3}}", "{SQLite3}")


def test_rebuilt_strings_parse_to_themselves_and_connect_with_every_installed_driver(world: World) -> None:
    """The rebuilt string is what is stored and re-checked before each use: it must pass the same checks again
    (unchanged), and connect."""
    for conn in (f"Driver={{SQLite3}};Database={world.allowed}/shop.db",
                 "Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=5432;Database=postgres;Uid=postgres;Pwd={a;b};",
                 "Driver={MariaDB Unicode};Server=127.0.0.1;Port=3306;Uid=root;Pwd=;",
                 "Driver={ODBC Driver 18 for SQL Server};Server=tcp:x.allowed.localhost,1444;Uid=u;Pwd={a}}b;c}"):
        rebuilt = connstr.analyse(conn).odbc
        assert connstr.analyse(rebuilt).odbc == rebuilt
        request = parse_start_request({"connectionString": rebuilt})
        assert request.connection_string is not None and request.connection_string.reveal() == rebuilt
        if "SQL Server" in conn:
            continue  # not installed here
        with AnalysisSession(rebuilt.replace("Pwd={a;b}", "Pwd="), connect_timeout_s=5) as session:
            assert session.server is not None and session.server.version


@pytest.mark.parametrize("conn, dialect, read_by_driver", [
    # MariaDB strips the braces and reads `}}` as `}` (its "Unknown database" error quotes what it read)
    ("Driver={MariaDB Unicode};Server=127.0.0.1;Port=3306;Uid=root;Pwd=;Database={ab}}cd;ef}", "maodbc", "ab}cd;ef"),
    # psqlODBC keeps `;` inside braces but passes the database's braces on verbatim: never add braces in a rebuild
    ("Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=5432;Uid=postgres;Pwd=;Database={ab;cd}", "psqlodbc",
     "{ab;cd}"),
])
def test_the_dialect_table_matches_what_the_driver_reads(conn: str, dialect: str, read_by_driver: str) -> None:
    """The tokeniser rules of DIALECTS, checked against the installed drivers: the server's error names the
    database the driver asked for."""
    import pyodbc

    rules = next(d for d in connstr.DIALECTS if d.name == dialect)
    ours = dict((k.lower(), v) for k, v, _ in connstr.tokenize(conn, braces=rules.braces,
                                                                brace_escape=rules.brace_escape))
    with pytest.raises(pyodbc.Error) as refused:
        pyodbc.connect(conn, timeout=5)
    assert read_by_driver in str(refused.value)
    assert ours["database"].strip("{}") == read_by_driver.strip("{}")


def test_extra_driver_names_come_from_the_setting_and_are_never_paths(world: World,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    library, marker = build_marker(world.tmp, "configured-path")
    monkeypatch.setenv("ANALYZER_ODBC_DRIVERS", f"Postgres Custom=psqlodbc,{library}=sqliteodbc,Bad=nosuchdialect")
    info = connstr.describe("Driver={Postgres Custom};Server=127.0.0.1;Database=x;Uid=u;Pwd=p")
    assert (info.engine, info.dialect) == ("postgresql", "psqlodbc")
    for driver in (str(library), "Bad"):
        assert "Driver" in _refusal({"connectionString": f"Driver={{{driver}}};Database={world.allowed}/shop.db"})[
            "connectionString"]
    assert not marker.exists()
