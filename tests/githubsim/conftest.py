"""Fixtures for the simulator's own tests: a fresh demo-org server and an authenticated HTTP session."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from tests.support.githubsim import GitHubSim, githubsim  # noqa: F401 - re-exported fixture


@pytest.fixture
def api(githubsim: GitHubSim) -> Iterator[requests.Session]:  # noqa: F811
    """A session that sends the seeded token; `api.url(path)` builds absolute URLs."""
    session = requests.Session()
    session.headers["Authorization"] = f"token {githubsim.token}"
    session.url = lambda path: githubsim.base_url + path  # type: ignore[attr-defined]
    yield session
    session.close()
