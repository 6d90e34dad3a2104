"""Connecting to a target that accepts TCP and never answers must not pin an activity forever."""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from shared.analyzer.session import AnalysisSession, TargetError


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP listener that accepts connections and never sends a byte (a hung or firewalled database)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def test_mariadb_driver_that_ignores_the_login_timeout_still_gives_up_in_time(silent_server: int) -> None:
    conn_str = (f"Driver={{MariaDB Unicode}};Server=127.0.0.1;Port={silent_server};Database=x;Uid=root;"
                f"Pwd=never-shown;")
    started = time.monotonic()
    with pytest.raises(TargetError) as raised:
        AnalysisSession(conn_str, connect_timeout_s=2).open()
    elapsed = time.monotonic() - started
    assert elapsed < 8, f"connect took {elapsed:.1f} s"
    assert not raised.value.permanent  # transient: the orchestrator may retry it
    assert f"127.0.0.1:{silent_server}" in str(raised.value)
    assert "never-shown" not in str(raised.value)
