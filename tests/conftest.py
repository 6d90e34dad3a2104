"""Root conftest: loads the shared fixtures of `tests/support/` (see its README) for every test package, and gives
every test its tier.

Tiers are markers, set here from what a test uses rather than by hand, so a new test cannot land in the wrong
one: `e2e` (drives the whole app on the local host: everything under tests/e2e), `live` (talks to a real server:
uses a server fixture, the PostgreSQL backend of a parametrised store test, a module in LIVE_MODULES or LIVE_DIRS;
a test that only needs a loopback socket is marked `live` by hand), `slow`
(e2e, or starts a local host). `pytest -m "not live and not e2e"` is the unit tier (no servers); in that run a test
that opens a TCP connection or listens on a port fails, naming the marker it lacks, so the tier stays honest.
"""
from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ["tests.support.fixtures"]

TESTS = Path(__file__).resolve().parent
# Fixtures that start or reach a server: a test using any of them (directly or through another fixture) is live.
SERVER_FIXTURES = frozenset({"azurite", "local_host", "postgres_db", "mariadb_db", "githubsim", "hanging_port"})
SLOW_FIXTURES = frozenset({"local_host"})
# Modules that reach a server without a fixture (their own in-process servers, drivers over TCP).
LIVE_MODULES = frozenset({"analyzer/test_checks_postgresql.py", "analyzer/test_checks_mysql.py",
                          "analyzer/test_connstr_bypasses.py",  # listeners that must receive nothing
                          "analyzer/test_checks_sqlserver_live.py", "policies/test_no_duplicate_issues.py",
                          "policies/test_fault_hardening.py", "policies/test_file_checks_live.py",  # githubsim
                          "storage/test_etag_cache.py"})
LIVE_DIRS = ("github/", "githubsim/",  # PyGithub / HTTP against an in-process githubsim server
             "notifications/")  # a real SMTP server (aiosmtpd) and a webhook receiver on loopback ports
LIVE_PARAMS = frozenset({"postgresql", "mysql", "mariadb"})  # parametrised backends that are servers
# `make test` runs the suite in several processes (pytest-xdist, `--dist loadfile`): each module stays in one
# process, so its module-scoped local host starts once; a folder here stays in one process as a whole, because a
# test in it reads what the others did (tests/storage: the SQL Server check of every statement they executed).
ONE_PROCESS_DIRS = ("storage/",)


def _tiers(item: pytest.Item) -> set[str]:
    path = Path(str(item.fspath)).resolve()
    relative = path.relative_to(TESTS).as_posix() if path.is_relative_to(TESTS) else path.name
    fixtures = set(getattr(item, "fixturenames", ()))
    params = {str(v) for v in getattr(getattr(item, "callspec", None), "params", {}).values()}
    tiers: set[str] = set()
    if relative.startswith("e2e/"):
        tiers |= {"e2e", "live", "slow"}
    if fixtures & SERVER_FIXTURES or relative in LIVE_MODULES or relative.startswith(LIVE_DIRS) or params & LIVE_PARAMS:
        tiers.add("live")
    if fixtures & SLOW_FIXTURES:
        tiers.add("slow")
    return tiers


def process_group(nodeid: str) -> str:
    """The tests that run in one process when the suite is spread over several: a module, or a folder of
    ONE_PROCESS_DIRS (`nodeid` as pytest gives it, relative to the repository)."""
    module = nodeid.split("::", 1)[0]
    relative = module.removeprefix("tests/")
    return next((f"tests/{folder}" for folder in ONE_PROCESS_DIRS if relative.startswith(folder)), module)


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadfile`, with the folders of ONE_PROCESS_DIRS kept whole. (xdist's `loadgroup` markers cannot do
    it here: pytest-xdist 3.8 renames the test ids through `item._nodeid`, which pytest 9 no longer reads.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class ProcessGroupScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return process_group(nodeid)

    return ProcessGroupScheduling(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        present = {mark.name for mark in item.iter_markers()}
        for tier in sorted(_tiers(item) - present):
            item.add_marker(getattr(pytest.mark, tier))


class NetworkInUnitTest(RuntimeError):
    """A test without the `live` marker reached for the network."""


@contextmanager
def network_refused(where: str) -> Iterator[None]:
    """Within the block, a TCP connect or listen raises `NetworkInUnitTest` (Unix sockets and binding are fine)."""
    real_connect, real_connect_ex, real_listen = socket.socket.connect, socket.socket.connect_ex, socket.socket.listen

    def refuse(sock: socket.socket, what: str) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            raise NetworkInUnitTest(f"{where} {what} over TCP but is not marked live: use a server fixture "
                                    "(tests/conftest.py SERVER_FIXTURES), add its module to LIVE_MODULES, or mark "
                                    "it @pytest.mark.live")

    def connect(sock: socket.socket, address: Any) -> None:
        refuse(sock, "connects")
        return real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        refuse(sock, "connects")
        return real_connect_ex(sock, address)

    def listen(sock: socket.socket, *args: Any) -> None:
        refuse(sock, "listens")
        return real_listen(sock, *args)

    patched: Any = socket.socket  # assigning methods on the class is what patching it means
    patched.connect, patched.connect_ex, patched.listen = connect, connect_ex, listen
    try:
        yield
    finally:
        patched.connect, patched.connect_ex, patched.listen = real_connect, real_connect_ex, real_listen


@pytest.fixture(autouse=True)
def _unit_tests_stay_off_the_network(request: pytest.FixtureRequest) -> Iterator[None]:
    """In a unit-tier run (`-m "not live ..."`), tests may not use TCP: that keeps the tier server-free and fast.
    The full run is neither slowed nor broken by the guard; the unit tier is where a mis-tiered test hurts."""
    unit_tier = "not live" in (request.config.option.markexpr or "")
    if not unit_tier or request.node.get_closest_marker("live") or request.node.get_closest_marker("e2e"):
        yield
        return
    with network_refused(request.node.nodeid):
        yield
