"""The GitHub ETag cache (`shared/github/etag_cache.py`) on every backend, directly and behind the real gateway."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared.github.etag_cache import CachedResponse, EtagCache
from shared.github.gateway import gateway_from_settings
from shared.storage.db import Database
from tests.storage.concurrency import race
from tests.support.githubsim import GitHubSim, start_githubsim


def test_put_inserts_then_updates_one_row_per_url(app_db: Database) -> None:
    cache = EtagCache(app_db, namespace="https://ghe.example/api/v3")
    url = "/orgs/acme/repos?per_page=100&page=2"
    assert cache.get(url) is None
    cache.put(url, 'W/"1"', '[{"name": "é"}]', '<https://x?page=3>; rel="next"')
    cache.put(url, 'W/"2"', "[]", None)
    assert cache.get(url) == CachedResponse('W/"2"', "[]", None)
    assert app_db.query_one("SELECT COUNT(*) AS n FROM github_etag_cache")["n"] == 1
    assert EtagCache(app_db, namespace="https://api.github.com").get(url) is None  # another GitHub, another key


def test_two_writers_of_the_same_url_leave_one_row(app_db: Database) -> None:
    cache = EtagCache(app_db, namespace="ns")
    results = race(app_db, lambda: cache.put("/repos/acme/a", '"a"', "A", None),
                   lambda: cache.put("/repos/acme/a", '"b"', "B", None))
    assert results == [None, None]
    assert cache.get("/repos/acme/a") in (CachedResponse('"a"', "A", None), CachedResponse('"b"', "B", None))
    assert app_db.query_one("SELECT COUNT(*) AS n FROM github_etag_cache")["n"] == 1


@pytest.fixture
def sim() -> Iterator[GitHubSim]:
    server = start_githubsim()
    yield server
    server.stop()


def test_gateway_revalidates_through_the_database_cache(app_db: Database, sim: GitHubSim,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """`gateway_from_settings` finds the database through `get_database()`; a second gateway (a new process, in
    effect) is answered 304 for what the first one read, and the body comes from the database."""
    monkeypatch.setenv("GITHUB_BASE_URL", sim.base_url)
    monkeypatch.setenv("GITHUB_TOKEN", sim.token)
    first = gateway_from_settings()
    repos = first.list_org_repositories(sim.org)
    first.close()
    assert app_db.query_one("SELECT COUNT(*) AS n FROM github_etag_cache")["n"] >= 1
    sim.clear_log()
    second = gateway_from_settings()
    assert second.list_org_repositories(sim.org) == repos
    assert second.stats.not_modified >= 1 and sim.counters()["counted"] == 0
    second.close()
