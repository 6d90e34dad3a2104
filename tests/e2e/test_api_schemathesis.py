"""Schemathesis over the served OpenAPI document against the real app on the local host: every operation, every
check (server errors, status codes, content types, headers, response schemas, negative data rejected, positive data
accepted, auth, unsupported methods, ...), seeded and bounded so the run is the same every time and stays short.

The document is the contract the app enforces (`shared.api.validation` validates requests against it), so a
failure here means the two drifted apart or an input reaches code that cannot handle it.
"""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.analysis_support import host_env
from tests.e2e.policy_support import TOKEN, repo, seed, write_config
from tests.support.githubsim import GitHubSim, start_githubsim
from tests.support.local_host import LocalHost

pytestmark = [pytest.mark.e2e, pytest.mark.live, pytest.mark.slow]

SEED = 20261205
MAX_EXAMPLES = 25
CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.fixture(scope="module")
def sim() -> Iterator[GitHubSim]:
    server = start_githubsim(seed([repo("api"), repo("web", description="")]))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def host(local_host: Callable[..., LocalHost], sim: GitHubSim, tmp_path_factory: pytest.TempPathFactory) -> LocalHost:
    """Both products configured (a small organization on githubsim, dry-run), so every operation can succeed."""
    work = tmp_path_factory.mktemp("schemathesis")
    write_config(work / "policies.yaml")
    return local_host(app="function_app:app", env=host_env(
        ANALYZER_ALLOWED_SQLITE_DIRS=str(work), GITHUB_BASE_URL=sim.base_url, GITHUB_TOKEN=TOKEN,
        GITHUB_ORG="acme", POLICY_CONFIG_PATH=str(work / "policies.yaml"), POLICY_DRY_RUN="true"))


@pytest.mark.timeout(600)
def test_every_operation_passes_every_schemathesis_check(host: LocalHost, tmp_path: Path) -> None:
    st = Path(sys.executable).with_name("st")
    report = tmp_path / "junit.xml"
    command = [str(st), "--config-file", str(CONFIG), "run", host.url("/api/openapi.json"), "--checks", "all",
               "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED), "--generation-deterministic",
               "--no-shrink", "--workers", "1",
               "--phases", "examples,coverage,fuzzing", "--request-timeout", "60",
               "--header", f"x-functions-key:{host.function_key}",
               "--report", "junit", "--report-junit-path", str(report), "--no-color"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=590)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-20000:]
