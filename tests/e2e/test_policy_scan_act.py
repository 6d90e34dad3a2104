"""Scan → act end to end through the local host, Azurite, the app database (SQLite) and githubsim."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.policy_support import (TOKEN, actions, repo, seed, sim_issues, start_scan, wait_idle, wait_scan,
                                      write_config)
from tests.support.githubsim import start_githubsim
from tests.support.openapi_contract import assert_matches_openapi
from tests.support.waiting import HANG_GUARD_S

REPOS = [
    repo("good"),
    repo("no-readme", files={"SECURITY.md": "x", ".github/CODEOWNERS": "x"}),
    repo("no-security", files={"README.md": "# x"}),
    repo("issues-off", files={"SECURITY.md": "x"}, has_issues=False),
    repo("quiet", description=""),
]


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
def host(local_host: Any, sim: Any, config_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    db = tmp_path_factory.mktemp("policydb") / "app.db"
    return local_host(env={"GITHUB_BASE_URL": sim.base_url, "GITHUB_TOKEN": TOKEN, "GITHUB_ORG": "acme",
                           "POLICY_CONFIG_PATH": str(config_path), "APP_DATABASE_URL": f"sqlite:///{db}",
                           "POLICY_DRY_RUN": "false"})


@pytest.fixture(autouse=True)
def _idle(host: Any, config_path: Path) -> None:
    wait_idle(host)
    write_config(config_path)


def test_scan_then_act_creates_one_issue_per_violation(host: Any, sim: Any) -> None:
    started = start_scan(host).json()
    scan = wait_scan(host, started["scanId"])
    assert scan["status"] == "Completed", scan
    assert scan["trigger"] == "manual"
    assert scan["repositoriesScanned"] == 5
    violations = host.get(f"/api/v1/scans/{started['scanId']}/violations").json()["items"]
    found = {(v["repository"], v["policyId"]) for v in violations}
    assert found == {("no-readme", "readme"), ("no-security", "security-policy"), ("issues-off", "readme"),
                     ("quiet", "description")}
    assert scan["actions"]["status"] == "Completed", scan
    log = {(a["repository"], a["policyId"]): a for a in actions(host, started["scanId"])}
    assert log[("no-readme", "readme")]["outcome"] == "created"
    assert log[("no-security", "security-policy")]["outcome"] == "created"
    assert log[("issues-off", "readme")]["outcome"] == "skipped"
    assert log[("issues-off", "readme")]["httpStatus"] == 410
    assert log[("quiet", "description")]["outcome"] == "logged"
    created = sim_issues(sim, "no-readme")
    assert len(created) == 1 and "policy-enforcer:fingerprint=acme/no-readme:readme" in created[0]["body"]
    assert sim_issues(sim, "quiet") == []  # log-only sends nothing


def test_rescan_and_act_retry_create_no_second_issue(host: Any, sim: Any) -> None:
    scan_id = start_scan(host).json()["scanId"]
    wait_scan(host, scan_id)
    retry = host.post(f"/api/v1/scans/{scan_id}/actions/retry")
    assert retry.status_code == 202, retry.text
    assert_matches_openapi(retry)
    assert retry.json()["actId"] == f"{scan_id}:act:2"
    body = wait_scan(host, scan_id)
    assert body["actions"]["status"] == "Completed"
    assert len(sim_issues(sim, "no-readme")) == 1
    assert len(sim_issues(sim, "no-security")) == 1
    outcomes = [a["outcome"] for a in actions(host, scan_id) if a["repository"] == "no-readme"]
    assert "created" not in outcomes and outcomes.count("skipped") == 2


def test_second_scan_while_one_runs_gets_409_with_its_id(host: Any) -> None:
    first = start_scan(host).json()["scanId"]
    second = start_scan(host, expect=409).json()
    assert second["runningScanId"] == first
    wait_scan(host, first)


def test_bad_request_fields_are_named_and_nothing_starts(host: Any) -> None:
    before = host.get("/api/v1/scans").json()["total"]
    resp = start_scan(host, {"dryRun": "yes", "policies": ["nope"]}, expect=400)
    assert {e["field"] for e in resp.json()["errors"]} == {"dryRun"}
    resp = start_scan(host, {"policies": ["nope"]}, expect=400)
    assert resp.json()["errors"][0]["field"] == "policies"
    assert host.get("/api/v1/scans").json()["total"] == before


def test_invalid_configuration_is_400_naming_the_line_and_writes_nothing(host: Any, config_path: Path) -> None:
    before = host.get("/api/v1/scans").json()["total"]
    config_path.write_text("version: 1\npolicies:\n  - id: readme\n    check: readme-present\n"
                           "  - id: broken\n    check: no-such-check\n")
    resp = start_scan(host, expect=400)
    problem = resp.json()
    assert "line 6" in problem["detail"] and "no-such-check" in problem["detail"]
    assert problem["configErrors"][0]["line"] == 6
    assert host.get("/api/v1/scans").json()["total"] == before
    policies = host.get("/api/v1/policies")
    assert_matches_openapi(policies)
    assert policies.json()["valid"] is False


def test_dry_run_writes_nothing_to_github(host: Any, sim: Any) -> None:
    sim.clear_log()
    scan_id = start_scan(host, {"dryRun": True, "repositories": ["no-readme", "quiet"]}).json()["scanId"]
    scan = wait_scan(host, scan_id)
    assert scan["dryRun"] is True and scan["repositoriesScanned"] == 2
    writes = [r for r in sim.requests() if r["method"] != "GET"]
    assert writes == []
    assert {a["outcome"] for a in actions(host, scan_id)} <= {"dry-run", "logged"}


def test_closed_issue_is_reopened_and_fixed_repository_gets_its_issue_closed(host: Any, sim: Any) -> None:
    scan_id = start_scan(host, {"repositories": ["no-readme", "no-security"]}).json()["scanId"]
    wait_scan(host, scan_id)
    issue = sim_issues(sim, "no-readme")[0]
    requests.patch(f"{sim.base_url}/repos/acme/no-readme/issues/{issue['number']}", json={"state": "closed"},
                   headers={"Authorization": f"token {TOKEN}"}, timeout=HANG_GUARD_S).raise_for_status()
    # the security violation gets fixed in the meantime
    sim.update({"repos": {"no-security": {"files": {"README.md": "# x", "SECURITY.md": "report here"}}}})
    scan_id = start_scan(host, {"repositories": ["no-readme", "no-security"]}).json()["scanId"]
    wait_scan(host, scan_id)
    log = {(a["repository"], a["policyId"]): a["outcome"] for a in actions(host, scan_id)}
    assert log[("no-readme", "readme")] == "reopened"
    issues = sim_issues(sim, "no-readme")
    assert len(issues) == 1 and issues[0]["state"] == "open"
    assert log[("no-security", "security-policy")] == "closed"
    closed = sim_issues(sim, "no-security")
    assert len(closed) == 1 and closed[0]["state"] == "closed"
