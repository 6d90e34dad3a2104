"""Timer, GitHub failures (rate limit, 5xx, 401), archive with grace period, and a host restart mid-scan."""
from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from shared.schedules import service as schedules_service
from shared.storage.db import Database
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
from tests.support.waiting import HANG_GUARD_S, wait_for

REPOS = [repo("alpha"), repo("beta", files={"SECURITY.md": "x"}), repo("gamma"),
         repo("old-tools", pushed_at="2020-01-01T00:00:00Z"), repo("old-revived", pushed_at="2020-01-01T00:00:00Z")]


@pytest.fixture(scope="module")
def sim() -> Any:
    server = start_githubsim(seed(REPOS))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def config_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("policy") / "policies.yaml"
    write_config(path)
    return path


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Timer state saying the tick's last minute was missed: the host fires `schedules_tick` past due on start."""
    path = tmp_path_factory.mktemp("state")
    (path / "timers").mkdir()
    missed = datetime.now(timezone.utc) - timedelta(minutes=5)
    (path / "timers" / "schedules_tick.status.json").write_text(json.dumps({
        "Schedule": "0 * * * * *", "Last": (missed - timedelta(minutes=1)).isoformat(), "Next": missed.isoformat(),
        "LastUpdated": missed.isoformat()}))
    return path


@pytest.fixture(scope="module")
def app_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The application database as a host left it before going down over midnight UTC: the built-in daily-scan
    schedule's next run (last midnight) is in the past, and two midnights were missed in all."""
    db = tmp_path_factory.mktemp("policydb") / "app.db"
    database = Database(f"sqlite:///{db}")
    database.migrate()
    builtin = replace(schedules_service.builtin_daily_scan(), enabled=True)
    schedules_service.save(database, builtin, datetime.now(timezone.utc) - timedelta(days=2))
    database.close()
    return db


def _env(sim: Any, config_path: Path, db: Path, **extra: str) -> dict[str, str]:
    return {"GITHUB_BASE_URL": sim.base_url, "GITHUB_TOKEN": TOKEN, "GITHUB_ORG": "acme",
            "POLICY_CONFIG_PATH": str(config_path), "APP_DATABASE_URL": f"sqlite:///{db}", **extra}


@pytest.fixture(scope="module")
def host(local_host: Any, sim: Any, config_path: Path, state_dir: Path, app_db: Path) -> Any:
    return local_host(env=_env(sim, config_path, app_db, FUNCTIONS_DEVHOST_STATE_DIR=str(state_dir)))


@pytest.fixture(autouse=True)
def _reset(host: Any, sim: Any, config_path: Path) -> None:
    wait_idle(host)
    write_config(config_path)
    sim.admin("DELETE", "faults")
    sim.set_rate_limit(remaining=5000, reset=int(time.time()) + 3600)


def test_a_missed_daily_scan_runs_once_when_the_host_is_back(host: Any) -> None:
    deadline = time.monotonic() + HANG_GUARD_S
    scans: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not scans:
        scans = [s for s in host.get("/api/v1/scans").json()["items"] if s["trigger"] == "schedule"]
        time.sleep(0.3)
    assert scans, host.log_text()[-2000:]
    finished = wait_scan(host, scans[0]["scanId"])
    assert finished["status"] == "Completed" and finished["repositoriesScanned"] == len(REPOS)
    assert "Functions.schedules_tick" in host.log_text()
    assert len([s for s in host.get("/api/v1/scans").json()["items"] if s["trigger"] == "schedule"]) == 1
    builtin = host.get("/api/v1/schedules/daily-scan").json()
    assert builtin["lastRun"]["jobId"] == scans[0]["scanId"]
    assert builtin["nextRun"]["utc"].endswith("T00:00:00+00:00")


def test_low_rate_limit_pauses_the_scan_until_the_reset(host: Any, sim: Any) -> None:
    reset = int(time.time()) + 4
    sim.set_rate_limit(remaining=45, reset=reset)  # below the reserve (50): the next call must wait
    sim.clear_log()
    scan_id = start_scan(host, {"policies": ["readme", "security-policy"]}).json()["scanId"]
    scan = wait_scan(host, scan_id, act=False)
    assert scan["status"] == "Completed", scan
    assert scan["repositoriesScanned"] == len(REPOS) and scan["results"].get("error", 0) == 0
    log = sim.requests()
    assert not [r for r in log if r["status"] in (403, 429)], "the budget was exhausted instead of waited for"
    assert time.time() >= reset - 1  # it could only finish after the reset


def test_github_5xx_is_retried_and_the_scan_completes(host: Any, sim: Any) -> None:
    sim.clear_log()
    sim.fault(r"/git/trees/", 502, count=4)
    scan_id = start_scan(host, {"policies": ["readme"]}).json()["scanId"]
    scan = wait_scan(host, scan_id, act=False, timeout=HANG_GUARD_S)
    assert scan["status"] == "Completed", scan
    assert scan["results"] == {"pass": len(REPOS) - 1, "fail": 1}  # beta has no README
    assert len([r for r in sim.requests() if r["status"] == 502]) == 4


def test_bad_credentials_fail_the_scan_at_once_with_a_clear_message(local_host: Any, sim: Any, config_path: Path,
                                                                    tmp_path: Path) -> None:
    bad = local_host(env=_env(sim, config_path, tmp_path / "app.db", GITHUB_TOKEN="ghp_wrong_secret_value"))
    try:
        already = len([r for r in sim.requests() if r["status"] == 401])
        scan_id = start_scan(bad).json()["scanId"]
        scan = wait_scan(bad, scan_id, act=False)
        assert scan["status"] == "Failed"
        assert "401" in scan["error"] and "GITHUB_TOKEN" in scan["error"]
        assert "ghp_wrong_secret_value" not in json.dumps(scan) + bad.log_text()
        refused = len([r for r in sim.requests() if r["status"] == 401]) - already
        assert 1 <= refused <= 3, f"{refused} requests answered 401: a refused token must not be retried in a loop"
        assert start_scan(bad).status_code == 202  # the failed scan released the lock
    finally:
        bad.stop()


def test_archive_path_waits_the_grace_period_rechecks_then_archives(host: Any, sim: Any,
                                                                  config_path: Path) -> None:
    # The test must see the notice and revive the repository within the grace period: 10 s leaves a loaded
    # machine room to do both before the recheck.
    write_config(config_path, archive=True, grace="10s")
    scan_id = start_scan(host, {"repositories": ["old-tools", "old-revived"], "policies": ["inactive"]}).json()["scanId"]
    deadline = time.monotonic() + HANG_GUARD_S
    while time.monotonic() < deadline and len(sim_issues(sim, "old-revived")) == 0:
        time.sleep(0.2)
    notice = sim_issues(sim, "old-revived")
    assert notice and "archived" in notice[0]["body"]
    assert sim.repo_state("old-revived")["archived"] is False  # not before the grace period
    sim.update({"repos": {"old-revived": {"pushed_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}}})
    scan = wait_scan(host, scan_id, timeout=HANG_GUARD_S)
    assert scan["actions"]["status"] == "Completed", scan
    log = {(a["repository"], a["outcome"]) for a in actions(host, scan_id)}
    assert ("old-tools", "archived") in log
    assert ("old-revived", "archived") not in log and ("old-revived", "skipped") in log
    assert sim.repo_state("old-tools")["archived"] is True
    assert sim.repo_state("old-revived")["archived"] is False


def test_archive_disabled_by_default_sends_nothing(host: Any, sim: Any) -> None:
    scan_id = start_scan(host, {"repositories": ["old-revived"], "policies": ["inactive"]}).json()["scanId"]
    sim.update({"repos": {"old-revived": {"pushed_at": "2020-01-01T00:00:00Z"}}})
    scan = wait_scan(host, scan_id)
    outcomes = {a["outcome"] for a in actions(host, scan_id)}
    assert outcomes <= {"skipped"}
    assert sim.repo_state("old-revived")["archived"] is False


def test_scan_lost_in_a_host_restart_is_failed_and_does_not_block(host: Any, sim: Any) -> None:
    sim.update({"latencyMs": 400})
    try:
        scan_id = start_scan(host, {"policies": ["readme"]}).json()["scanId"]
        # Running (its orchestration has begun) before the restart: a Pending scan is given a grace period instead
        wait_for(lambda: host.get(f"/api/v1/scans/{scan_id}").json()["status"] == "Running", "the scan to run")
        host.restart()
    finally:
        sim.update({"latencyMs": 0})
    lost = host.get(f"/api/v1/scans/{scan_id}").json()
    assert lost["status"] == "Failed" and "no longer exists" in lost["error"]
    fresh = start_scan(host, {"policies": ["readme"]}).json()["scanId"]
    assert wait_scan(host, fresh, act=False)["status"] == "Completed"
