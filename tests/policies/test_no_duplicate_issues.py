"""The no-duplicate guarantee with the real gateway, githubsim and the app database (no host needed)."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from shared.policies import service, store
from shared.policies.config import load_config_file
from shared.policies.evaluation import PolicyOutcome
from shared.policies.models import ActChunkInput, ActRequest
from shared.storage.db import Database
from tests.e2e.policy_support import TOKEN, repo, seed, sim_issues, write_config
from tests.support.githubsim import start_githubsim


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    sim = start_githubsim(seed([repo("svc", files={})]))
    config = tmp_path / "policies.yaml"
    write_config(config)
    db_url = f"sqlite:///{tmp_path / 'app.db'}"
    for key, value in {"GITHUB_BASE_URL": sim.base_url, "GITHUB_TOKEN": TOKEN, "GITHUB_ORG": "acme",
                       "POLICY_CONFIG_PATH": str(config), "APP_DATABASE_URL": db_url}.items():
        monkeypatch.setenv(key, value)
    db = Database(db_url)
    monkeypatch.setattr("shared.storage.db._databases", {db_url: db})
    scan_id = "scan-20260101000000-abcdef"
    store.create_scan(db, scan_id, "manual", False, {}, load_config_file(str(config)), "acme")
    store.store_results(db, scan_id, [PolicyOutcome("svc", "readme", "fail", "No README file was found.", "medium",
                                                    "create-issue", {"lookedIn": ["/"]})])
    store.complete_scan(db, scan_id, f"{scan_id}:act")
    yield sim, db, scan_id
    sim.stop()


def _act(db: Database, scan_id: str, act_id: str) -> None:
    service.plan_act(db, ActRequest(scan_id, act_id, 1))
    service.act_chunk(db, _session(), ActChunkInput(scan_id, act_id, 1, 0, 20))


def _session() -> Any:
    from shared.policies.github_reader import open_session

    return open_session()


def test_two_act_runs_at_once_create_one_issue(env: Any) -> None:
    sim, db, scan_id = env
    runs = [threading.Thread(target=_act, args=(db, scan_id, f"{scan_id}:act:{n}")) for n in (1, 2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join(60)
    assert len(sim_issues(sim, "svc")) == 1
    outcomes = sorted(r.outcome for r in store.list_actions(db, scan_id, 0, 50)[0])
    assert outcomes.count("created") == 1


def test_run_killed_between_create_and_log_is_recovered_by_fingerprint(env: Any) -> None:
    sim, db, scan_id = env
    # What a crashed run leaves: the issue exists on GitHub, the database never learnt its number.
    config = store.scan_config(db, scan_id)
    from shared.policies import issues

    item = store.act_work_items(db, scan_id)[0]
    body = issues.body("acme/svc", config.policy("readme"), item.message, item.details, item.details_hash, "x")
    _session().tracker().create_issue("acme/svc", "orphan", body, ["policy-enforcer"])
    _act(db, scan_id, f"{scan_id}:act")
    assert len(sim_issues(sim, "svc")) == 1
    link = store.get_link(db, "svc", "readme")
    assert link["issue_number"] == sim_issues(sim, "svc")[0]["number"]
    assert [r.outcome for r in store.list_actions(db, scan_id, 0, 50)[0]] == ["skipped"]
