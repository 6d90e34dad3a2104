"""Root conftest: loads the shared fixtures of `tests/support/` (see its README) for every test package, and marks
every test that needs a server `live`, so `make test-fast` (`-m "not live and not e2e"`) runs without any."""
from __future__ import annotations

import pytest

pytest_plugins = ["tests.support.fixtures"]

# Fixtures that start or reach a server: a test using one (directly or through another fixture) is live.
SERVER_FIXTURES = frozenset({"azurite", "local_host", "postgres_db", "mariadb_db"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        params = getattr(getattr(item, "callspec", None), "params", {})
        if names & SERVER_FIXTURES or params.get("app_db_url") == "postgresql" or item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.live)
