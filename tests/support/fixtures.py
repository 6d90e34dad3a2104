"""Shared pytest fixtures (loaded by `tests/conftest.py`); documented in `tests/support/README.md`."""
from __future__ import annotations

import shutil
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devhost.azurite import Azurite
from tests.support.databases import SqliteDatabases, mariadb_server, postgres_server
from tests.support.local_host import LocalHost


@pytest.fixture(scope="session")
def azurite() -> Iterator[dict[str, Any]]:
    """A fresh Azurite on free ports with a temporary folder, for the whole session."""
    folder = Path(tempfile.mkdtemp(prefix="azurite-"))
    instance = Azurite(folder).start()
    try:
        yield {"connection_string": instance.connection_string, "queue_port": instance.queue_port,
               "blob_port": instance.blob_port, "table_port": instance.table_port, "location": str(folder)}
    finally:
        instance.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def local_host(azurite: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[Callable[..., LocalHost]]:
    """Factory: `local_host(app="function_app:app", env={...}, grace=10.0)` starts a host and returns it.

    Every host started here is stopped at the end of the test module (stop it earlier with `.stop()`): hosts
    share the session's Azurite, and a host left running would keep consuming other modules' queue messages.
    """
    started: list[LocalHost] = []

    def start(app: str = "function_app:app", env: dict[str, str] | None = None, grace: float = 10.0) -> LocalHost:
        host = LocalHost(app=app, env=dict(env or {}), storage_connection_string=azurite["connection_string"],
                         workdir=tmp_path_factory.mktemp("host"), grace=grace)
        started.append(host)
        return host.start()

    yield start
    for host in started:
        host.stop()


@pytest.fixture(scope="session")
def postgres_db() -> Iterator[Callable[..., str]]:
    """Factory: `postgres_db()` creates a database and returns its ODBC connection string."""
    server = postgres_server()
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def mariadb_db() -> Iterator[Callable[..., str]]:
    """Factory: `mariadb_db()` creates a database and returns its ODBC connection string."""
    server = mariadb_server()
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., str]:
    """Factory: `sqlite_db()` returns the ODBC connection string of a new SQLite file in a temporary folder."""
    return SqliteDatabases(tmp_path_factory.mktemp("sqlite"))


def hanging_listener() -> tuple[socket.socket, list[socket.socket]]:
    """A listening socket on a free loopback port that accepts connections and never answers, and the accepted
    connections (close them all to stop)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(50)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return server, held


@pytest.fixture(scope="module")
def hanging_port() -> Iterator[int]:
    """A TCP port that accepts connections and never answers (a hung or firewalled database server): clients wait
    for their login timeout, which is how tests hold a job in "connecting" or prove that timeouts fire."""
    server, held = hanging_listener()
    yield server.getsockname()[1]
    server.close()
    for conn in held:
        conn.close()
