"""Gateway tests: PyGithub over HTTP against the local simulator, ETag cache in a real SQLite app database."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from shared.github import GatewayOptions, GitHubGateway, build_github
from shared.github.etag_cache import EtagCache
from shared.storage.db import Database
from tests.support.githubsim import GitHubSim, githubsim  # noqa: F401 - re-exported fixture

FAST = GatewayOptions(write_interval_seconds=0.0, retry_backoff_seconds=0.01, max_inline_wait_seconds=2.0)


@pytest.fixture
def app_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'app.db'}")
    yield db
    db.close()


@pytest.fixture
def make_gateway(app_db: Database) -> Iterator[Callable[..., GitHubGateway]]:
    made: list[GitHubGateway] = []

    def make(sim: GitHubSim, token: str | None = None, options: GatewayOptions = FAST,
             cache: bool = True) -> GitHubGateway:
        gateway = GitHubGateway(build_github(sim.base_url, token=token or sim.token),
                                EtagCache(app_db, sim.base_url) if cache else None, options)
        made.append(gateway)
        return gateway

    yield make
    for gateway in made:
        gateway.close()
