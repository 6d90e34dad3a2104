"""HTTP handlers never block the event loop: while `POST /api/v1/scans` waits on a slow GitHub (the org's override
file is read before the scan starts), `/api/health` and `/api/v1/analysis/status/{id}` still answer, before the scan.

The simulator is in-process so the test knows the scan request has reached GitHub (the `entered` event) before it
asks the other two; GitHub then answers slowly (the latency knob), so a handler that blocked the loop would make
health and status wait for the scan. Only the order of the answers is asserted, never a duration.
"""
from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.analysis_support import host_env, start, wait_final
from tests.e2e.policy_support import TOKEN, repo, seed
from tests.support.githubsim import start_githubsim

pytestmark = [pytest.mark.e2e, pytest.mark.live]

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "shop.db"
CONFIG = """
version: 1
settings:
  orgOverride: {enabled: true, repository: .github, path: policies.yaml}
policies:
  - id: readme
    check: readme-present
"""
SLOW_GITHUB_MS = 3000


@pytest.fixture(scope="module")
def sim() -> Any:
    server = start_githubsim(seed([repo("good")]))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def host(local_host: Any, sim: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("nonblocking")
    (folder / "policies.yaml").write_text(CONFIG)
    shutil.copy(SAMPLE, folder / "shop.db")
    return local_host(env=host_env(ANALYZER_ALLOWED_SQLITE_DIRS=str(folder), GITHUB_BASE_URL=sim.base_url,
                                   GITHUB_TOKEN=TOKEN, GITHUB_ORG="acme",
                                   POLICY_CONFIG_PATH=str(folder / "policies.yaml"),
                                   APP_DATABASE_URL=f"sqlite:///{folder / 'app.db'}", POLICY_DRY_RUN="true"))


def test_health_and_status_answer_while_a_scan_start_waits_on_github(host: Any, sim: Any) -> None:
    shop = Path(host.env["ANALYZER_ALLOWED_SQLITE_DIRS"]) / "shop.db"
    job_id = start(host, {"connectionString": f"Driver={{SQLite3}};Database={shop};"})["jobId"]
    assert wait_final(host, job_id, timeout=90)[-1]["status"] == "Completed"

    entered = threading.Event()
    real_handle = sim.sim.handle

    def handle(method: str, raw_path: str, *args: Any, **kwargs: Any) -> Any:
        if "/contents/" in raw_path:  # the org override read of the scan start
            entered.set()
        return real_handle(method, raw_path, *args, **kwargs)

    sim.sim.handle = handle
    sim.sim.latency_ms = SLOW_GITHUB_MS
    answers: list[str] = []
    scan_status: list[int] = []

    def post_scan() -> None:
        response = host.post("/api/v1/scans", json={"dryRun": True}, timeout=120)
        scan_status.append(response.status_code)
        answers.append("scan")

    scan = threading.Thread(target=post_scan)
    try:
        scan.start()
        assert entered.wait(60), "the scan start never read the organization's override file"
        status = host.get(f"/api/v1/analysis/status/{job_id}", timeout=120)
        answers.append("status")
        health = host.get("/api/health", timeout=120)
        answers.append("health")
        scan.join(120)
    finally:
        sim.sim.latency_ms = 0
        sim.sim.handle = real_handle
    assert health.status_code == 200 and status.status_code == 200 and status.json()["status"] == "Completed"
    assert scan_status == [202]
    assert answers == ["status", "health", "scan"]
