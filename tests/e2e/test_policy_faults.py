"""Issue 7's faults through the local host, Azurite and githubsim: a rate limit while planning, one repository's
persistent 5xx, storage down during the scan→act hand-over (with a late queue message beside a manual retry), and
the watchdog for a run that makes no progress."""
from __future__ import annotations

import base64
import json
import shutil
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from devhost.azurite import Azurite
from tests.e2e.policy_support import (
    TOKEN,
    actions,
    repo,
    seed,
    sim_issues,
    start_scan,
    wait_idle,
    wait_scan,
    write_config,
)
from tests.support.githubsim import start_githubsim
from tests.support.openapi_contract import assert_matches_openapi

DOTNET = ('{"$type":"System.InvalidOperationException, System.Private.CoreLib",'
          '"Message":"Sequence contains no elements"}')
REPOS = [repo("alpha"), repo("broken"), repo("bare", files={})]


@pytest.fixture(scope="module")
def sim() -> Any:
    server = start_githubsim(seed(REPOS))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def own_azurite() -> Any:
    """This module stops and starts storage, so it has its own Azurite (the session one serves other hosts)."""
    folder = Path(tempfile.mkdtemp(prefix="azurite-faults-"))
    instance = Azurite(folder).start()
    yield instance
    instance.stop()
    shutil.rmtree(folder, ignore_errors=True)


def _env(sim: Any, config: Path, db: Path, azurite: Azurite, **extra: str) -> dict[str, str]:
    return {"GITHUB_BASE_URL": sim.base_url, "GITHUB_TOKEN": TOKEN, "GITHUB_ORG": "acme",
            "POLICY_CONFIG_PATH": str(config), "APP_DATABASE_URL": f"sqlite:///{db}",
            "AzureWebJobsStorage": azurite.connection_string, "POLICY_UNAVAILABLE_PAUSES_SECONDS": "1,1", **extra}


@pytest.fixture(scope="module")
def config_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("policy") / "policies.yaml"
    write_config(path)
    return path


@pytest.fixture(scope="module")
def host(local_host: Any, sim: Any, config_path: Path, own_azurite: Azurite,
         tmp_path_factory: pytest.TempPathFactory) -> Any:
    return local_host(env=_env(sim, config_path, tmp_path_factory.mktemp("db") / "app.db", own_azurite))


@pytest.fixture(autouse=True)
def _reset(request: pytest.FixtureRequest, sim: Any, config_path: Path) -> None:
    if "host" in request.fixturenames:
        wait_idle(request.getfixturevalue("host"))
    write_config(config_path)
    sim.admin("DELETE", "faults")
    sim.update({"latencyMs": 0})
    sim.set_rate_limit(remaining=5000, reset=int(time.time()) + 3600)


def test_rate_limit_at_scan_start_waits_for_the_reset_instead_of_failing(host: Any, sim: Any,
                                                                        config_path: Path) -> None:
    config_path.write_text(config_path.read_text().replace("orgOverride: {enabled: false}",
                                                           "orgOverride: {enabled: true}"))
    reset = int(time.time()) + 12  # longer than the activity retry policy's span (3 × 2 s), which hid it before
    sim.set_rate_limit(remaining=0, reset=reset)  # spent: the scan's first request (the org override file) gets 403
    scan_id = start_scan(host, {"policies": ["readme"]}).json()["scanId"]
    scan = wait_scan(host, scan_id, act=False)
    assert scan["status"] == "Completed", scan
    assert scan["repositoriesScanned"] == len(REPOS)
    assert time.time() >= reset - 1  # it could only finish after the reset


def test_one_repositorys_persistent_5xx_is_an_error_result_and_the_scan_completes_with_a_warning(
        host: Any, sim: Any) -> None:
    sim.fault(r"/repos/acme/broken/git/trees/", 500, count=10_000, message=DOTNET)
    scan_id = start_scan(host, {"policies": ["readme"]}).json()["scanId"]
    scan = wait_scan(host, scan_id, act=True, timeout=120)
    assert scan["status"] == "Completed", scan
    assert scan["repositoriesScanned"] == len(REPOS)
    assert scan["results"] == {"pass": 1, "fail": 1, "error": 1}
    assert "broken" in scan["warning"]
    text = json.dumps(scan) + json.dumps(host.get(f"/api/v1/scans/{scan_id}/violations").json())
    assert "System." not in text and "Sequence contains" not in text and "$type" not in text
    assert scan["actions"]["status"] == "Completed"  # the act step ran on what was evaluated
    assert len(sim_issues(sim, "bare")) == 1


def test_storage_down_at_the_hand_over_is_reported_and_a_late_message_beside_a_retry_acts_once(
        host: Any, sim: Any, own_azurite: Azurite) -> None:
    sim.update({"latencyMs": 300})  # the scan is still evaluating when storage goes away
    scan_id = start_scan(host, {"repositories": ["bare"], "policies": ["readme"]}).json()["scanId"]
    own_azurite.stop()
    try:
        scan = wait_scan(host, scan_id, act=True, timeout=120)
    finally:
        own_azurite.start()
        sim.update({"latencyMs": 0})
    assert scan["status"] == "Completed"
    assert scan["actions"]["status"] == "Failed" and "could not be queued" in scan["actions"]["error"], scan
    assert "restarted" not in scan["actions"]["error"]
    assert sim_issues(sim, "bare") == [] or len(sim_issues(sim, "bare")) == 1  # an earlier test may have opened it
    before = len(sim_issues(sim, "bare"))

    retried = host.post(f"/api/v1/scans/{scan_id}/actions/retry")
    assert retried.status_code == 202, retried.text
    assert_matches_openapi(retried)
    assert retried.json()["actId"] == f"{scan_id}:act:2"
    scan = wait_scan(host, scan_id, act=True)
    assert scan["actions"]["status"] == "Completed", scan

    # The original request arrives late (storage kept it, the client gave up): it must not act a second time.
    from azure.storage.queue import QueueClient

    queue = QueueClient.from_connection_string(own_azurite.connection_string, "policy-act-requests")
    body = json.dumps({"scanId": scan_id, "actId": f"{scan_id}:act", "attempt": 1})
    queue.send_message(base64.b64encode(body.encode()).decode("ascii"))
    queue.close()
    late = host.instance_once_ended(f"{scan_id}:act")
    assert late["output"]["status"] == "Superseded", late
    rows = actions(host, scan_id)
    assert {r["actId"] for r in rows} == {f"{scan_id}:act:2"}
    assert len(sim_issues(sim, "bare")) == max(before, 1)
    assert host.get(f"/api/v1/scans/{scan_id}").json()["actions"]["actId"] == f"{scan_id}:act:2"


def test_retrying_the_act_step_of_a_scan_a_newer_scan_superseded_is_refused(host: Any) -> None:
    old = start_scan(host, {"repositories": ["alpha"], "policies": ["readme"]}).json()["scanId"]
    wait_scan(host, old)
    new = start_scan(host, {"repositories": ["alpha"], "policies": ["readme"]}).json()["scanId"]
    wait_scan(host, new)
    resp = host.post(f"/api/v1/scans/{old}/actions/retry")
    assert resp.status_code == 409, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["newerScanId"] == new
    assert_matches_openapi(resp)
    assert host.post(f"/api/v1/scans/{new}/actions/retry").status_code == 202


def test_a_scan_without_progress_is_reported_stalled_and_releases_the_lock(local_host: Any, sim: Any,
                                                                           config_path: Path, own_azurite: Azurite,
                                                                           tmp_path: Path) -> None:
    slow = local_host(env=_env(sim, config_path, tmp_path / "app.db", own_azurite, POLICY_STALL_TIMEOUT_SECONDS="2"))
    try:
        # One tree request hangs 20 s (under the client's 30 s timeout): the chunk activity, its batch and the scan
        # show no progress for far longer than the 2 s stall timeout, as when an engine drops a completion.
        sim.fault(r"/repos/acme/alpha/git/trees/", 200, count=1, delayMs=20_000)
        scan_id = start_scan(slow, {"policies": ["readme"]}).json()["scanId"]
        blocked = slow.post("/api/v1/scans", json={})
        assert blocked.status_code == 409  # the lock is held while the scan runs
        deadline = time.monotonic() + 60
        scan = slow.get(f"/api/v1/scans/{scan_id}").json()
        while scan["status"] in ("Pending", "Running") and time.monotonic() < deadline:
            time.sleep(0.5)
            scan = slow.get(f"/api/v1/scans/{scan_id}").json()
        assert scan["status"] == "Failed" and "stalled" in scan["error"], scan
        sim.admin("DELETE", "faults")
        fresh = start_scan(slow, {"policies": ["readme"]}).json()["scanId"]  # the lock did not outlive it
        assert fresh != scan_id
        assert slow.instance_once_ended(scan_id)["runtimeStatus"] == "Terminated"
        wait_scan(slow, fresh, act=False)
    finally:
        sim.update({"latencyMs": 0})
        slow.stop()


def test_kill_9_mid_act_then_a_retry_opens_no_duplicate_issue(host: Any, sim: Any) -> None:
    names = [f"bare-{n}" for n in range(4)]
    for name in names:
        sim.put_repo(name, repo(name, files={}))
    scan_id = start_scan(host, {"repositories": names, "policies": ["readme", "security-policy"]}).json()["scanId"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(sim_issues(sim, n) for n in names):
        time.sleep(0.1)
    assert any(sim_issues(sim, n) for n in names), "the act step never started"
    host.stop(signal.SIGKILL)  # mid-act: writes are paced ≥ 1 s apart, 8 issues to open
    host.start()
    lost = host.get(f"/api/v1/scans/{scan_id}").json()
    assert lost["status"] == "Completed" and lost["actions"]["status"] == "Failed", lost
    retried = host.post(f"/api/v1/scans/{scan_id}/actions/retry")
    assert retried.status_code == 202, retried.text
    scan = wait_scan(host, scan_id, timeout=120)
    assert scan["actions"]["status"] == "Completed", scan
    for name in names:
        titles = sorted(i["title"] for i in sim_issues(sim, name))
        assert len(titles) == 2 and len(set(titles)) == 2, (name, titles)  # one issue per violated policy
