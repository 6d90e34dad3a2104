"""Schemathesis over the served OpenAPI document against the real app on the local host: every operation, every
check (server errors, status codes, content types, headers, response schemas, negative data rejected, positive data
accepted, auth, unsupported methods, ...), seeded and bounded so the run is the same every time and stays short.

The document is the contract the app enforces (`shared.api.validation` validates requests against it), so a
failure here means the two drifted apart or an input reaches code that cannot handle it.
"""
from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from devhost.azurite import free_port
from tests.e2e.analysis_support import host_env
from tests.e2e.policy_support import TOKEN, repo, seed, write_config
from tests.realtime.signalr_support import connection_string
from tests.support.githubsim import GitHubSim, start_githubsim
from tests.support.local_host import LocalHost

pytestmark = [pytest.mark.e2e, pytest.mark.live, pytest.mark.slow]

SEED = 20261205
MAX_EXAMPLES = 100
CONFIG = Path(__file__).with_name("schemathesis.toml")
# unsupported_method expects 405 for a method an operation does not declare. The real Functions host answers 404
# there (a route's methods are a routing constraint: azure-functions-host#10098) and the local host answers as the
# real one does (docs/local-host.md, "Host error answers"; problem+json naming `allowedMethods`). A 405 locally would
# be behaviour that differs in Azure, so this one check is excluded; every other check runs.
EXCLUDED_CHECKS = "unsupported_method"


@pytest.fixture(scope="module")
def sim() -> Iterator[GitHubSim]:
    server = start_githubsim(seed([repo("api"), repo("web", description="")]))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def host(local_host: Callable[..., LocalHost], sim: GitHubSim, tmp_path_factory: pytest.TempPathFactory) -> LocalHost:
    """Both products configured (a small organization on githubsim, dry-run) and real-time events (the host serves
    the local SignalR service), so every operation can succeed."""
    work = tmp_path_factory.mktemp("schemathesis")
    write_config(work / "policies.yaml")
    return local_host(app="function_app:app", env=host_env(
        ANALYZER_ALLOWED_SQLITE_DIRS=str(work), GITHUB_BASE_URL=sim.base_url, GITHUB_TOKEN=TOKEN,
        GITHUB_ORG="acme", POLICY_CONFIG_PATH=str(work / "policies.yaml"), POLICY_DRY_RUN="true",
        AzureSignalRConnectionString=connection_string(free_port())))


def failures(events: Path) -> list[dict[str, Any]]:
    """Every failed check of the run, with the request and response it was about."""
    found: list[dict[str, Any]] = []
    for line in events.read_text().splitlines():
        scenario = json.loads(line).get("ScenarioFinished")
        if not scenario:
            continue
        recorder = scenario["recorder"]
        for case_id, checks in recorder.get("checks", {}).items():
            for check in checks:
                if check["status"] == "failure":
                    interaction = recorder.get("interactions", {}).get(case_id) or {}
                    found.append({"check": check["name"], "failure": check["failure_info"]["failure"],
                                  "request": interaction.get("request"), "response": interaction.get("response")})
    return found


@pytest.mark.timeout(600)
def test_every_operation_passes_every_schemathesis_check(host: LocalHost, tmp_path: Path) -> None:
    st = Path(sys.executable).with_name("st")
    events = tmp_path / "events.ndjson"
    command = [str(st), "--config-file", str(CONFIG), "run", host.url("/api/openapi.json"), "--checks", "all",
               "--exclude-checks", EXCLUDED_CHECKS,
               "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED), "--generation-deterministic",
               "--no-shrink", "--workers", "1", "--phases", "examples,coverage,fuzzing", "--request-timeout", "60",
               "--header", f"x-functions-key:{host.function_key}",
               "--report", "ndjson", "--report-ndjson-path", str(events), "--no-color"]
    # In tmp_path: schemathesis keeps a cache of found failures in its working directory; a seeded run must not
    # depend on what an earlier run left there.
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=590, cwd=tmp_path)
    found = failures(events)
    assert found == [] and result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    print(result.stdout[-1200:])  # schemathesis' own summary: operations, phases, test cases generated


def test_a_path_the_router_cannot_match_is_answered_with_problem_json(host: LocalHost) -> None:
    """Found by schemathesis (an id with %0A got aiohttp's plain-text 404); the host now answers problem+json."""
    response = requests.post(host.url("/api/v1/analysis/bad%0Aid/cancel"),
                             headers={"x-functions-key": host.function_key}, timeout=30)
    assert response.headers["content-type"].startswith("application/problem+json")
