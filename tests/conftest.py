"""Root conftest: loads the shared fixtures of `tests/support/` (see its README) for every test package, and marks
every test that needs a server `live`, so `make test-fast` (`-m "not live and not e2e"`) runs without any."""
from __future__ import annotations

import pytest

pytest_plugins = ["tests.support.fixtures"]

# Fixtures that start or reach a server: a test using one (directly or through another fixture) is live; so is a
# test parametrized over a server backend (`app_db_url[postgresql]`, which asks for `postgres_db` at run time).
SERVER_FIXTURES = frozenset({"azurite", "local_host", "postgres_db", "mariadb_db"})
SERVER_BACKENDS = frozenset({"postgresql", "mysql", "mariadb", "sqlserver"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        params = getattr(getattr(item, "callspec", None), "params", {})
        backend = any(isinstance(v, str) and v in SERVER_BACKENDS for v in params.values())
        if names & SERVER_FIXTURES or backend or item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.live)
