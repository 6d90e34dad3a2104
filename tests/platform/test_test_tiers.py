"""Test tiers (tests/conftest.py): what puts a test in `e2e`, `live` or `slow`, so the unit tier
(`pytest -m "not live and not e2e"`, the inner loop) holds no server test; and a unit test that reaches for the
network is stopped."""
from __future__ import annotations

import socket
from types import SimpleNamespace
from typing import Any

import pytest

from tests.conftest import TESTS, NetworkInUnitTest, _tiers, network_refused, process_group


def item(path: str, fixtures: tuple[str, ...] = (), **params: Any) -> Any:
    return SimpleNamespace(fspath=TESTS / path, fixturenames=list(fixtures),
                           callspec=SimpleNamespace(params=params) if params else None)


@pytest.mark.parametrize("case, tiers", [
    (item("e2e/test_api_schemathesis.py", ("host",)), {"e2e", "live", "slow"}),
    (item("devhost/test_host_http.py", ("host", "local_host", "azurite")), {"live", "slow"}),
    (item("analyzer/test_engines.py", ("postgres_db",)), {"live"}),
    (item("storage/test_database.py", ("app_db", "app_db_url"), app_db_url="postgresql"), {"live"}),
    (item("storage/test_database.py", ("app_db", "app_db_url"), app_db_url="sqlite"), set()),
    (item("githubsim/test_write_rules.py", ("api",)), {"live"}),
    (item("analyzer/test_checks_postgresql.py"), {"live"}),
    (item("api/test_validation.py"), set()),
])
def test_a_test_gets_its_tier_from_what_it_uses(case: Any, tiers: set[str]) -> None:
    assert _tiers(case) == tiers


@pytest.mark.parametrize("nodeid, group", [
    ("tests/storage/test_database.py::test_x[postgresql]", "tests/storage/"),
    ("tests/storage/test_sqlserver_static.py::test_y", "tests/storage/"),  # reads what the other storage tests ran
    ("tests/e2e/test_schedules.py::test_z[a::b]", "tests/e2e/test_schedules.py"),  # its module-scoped host: once
    ("tests/api/test_validation.py::TestX::test_y", "tests/api/test_validation.py"),
])
def test_a_test_runs_in_the_process_of_its_group(nodeid: str, group: str) -> None:
    assert process_group(nodeid) == group


def test_every_test_module_named_in_the_rules_exists() -> None:
    from tests.conftest import LIVE_DIRS, LIVE_MODULES

    assert [m for m in LIVE_MODULES if not (TESTS / m).is_file()] == []
    assert [d for d in LIVE_DIRS if not (TESTS / d).is_dir()] == []
    from tests.conftest import ONE_PROCESS_DIRS

    assert [d for d in ONE_PROCESS_DIRS if not (TESTS / d).is_dir()] == []


def test_in_the_unit_tier_a_test_cannot_open_a_tcp_connection() -> None:
    before = socket.socket.connect, socket.socket.listen
    with network_refused("this test"):
        with pytest.raises(NetworkInUnitTest, match="not marked live"):
            socket.create_connection(("127.0.0.1", 9), timeout=1)
        with socket.socket(socket.AF_INET) as server:
            server.bind(("127.0.0.1", 0))  # binding to find a free port is allowed; listening is not
            with pytest.raises(NetworkInUnitTest):
                server.listen()
    assert (socket.socket.connect, socket.socket.listen) == before  # and the methods are as they were afterwards
