"""Shared setup of the Policy Enforcer e2e tests: a small organization on githubsim, a config file, the host."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import requests

from tests.support.openapi_contract import assert_matches_openapi
from tests.support.waiting import HANG_GUARD_S

TOKEN = "ghp_e2e_policy_token"
PROTECTION = {"main": {"required_approving_review_count": 1, "allow_force_pushes": False}}
GOOD_FILES = {"README.md": "# x\n", "SECURITY.md": "report to sec@\n", ".github/CODEOWNERS": "* @acme/x\n"}


def repo(name: str, **extra: Any) -> dict[str, Any]:
    base = {"name": name, "description": f"{name} service", "visibility": "private", "license": "mit",
            "topics": ["svc"], "pushed_at": "2026-11-01T10:00:00Z", "created_at": "2024-01-01T00:00:00Z",
            "files": dict(GOOD_FILES), "branch_protection": PROTECTION, "vulnerability_alerts": True}
    base.update(extra)
    return base


def seed(repos: list[dict[str, Any]]) -> dict[str, Any]:
    return {"org": {"login": "acme", "name": "Acme"}, "tokens": [{"token": TOKEN, "login": "policy-bot"}],
            "rate_limit": {"limit": 5000, "window_seconds": 3600}, "outside_collaborators": [], "repos": repos}


CONFIG = """
version: 1
settings:
  issueLabel: policy-enforcer
  maxIssuesPerRun: {max_issues}
  archive: {{enabled: {archive}, gracePeriod: {grace}, maxPerRun: 2}}
  orgOverride: {{enabled: false}}
policies:
  - id: readme
    check: readme-present
    severity: medium
  - id: security-policy
    check: security-policy-present
    severity: high
    dryRun: {security_dry_run}
  - id: description
    check: description-present
    action: log-only
  - id: inactive
    check: repository-active
    action: archive-repo
    params: {{days: 365}}
    targets: {{include: ["old-*"]}}
"""


def write_config(path: Path, *, archive: bool = False, max_issues: int = 50, security_dry_run: bool = False,
                 grace: str = "3s") -> None:
    path.write_text(CONFIG.format(archive=str(archive).lower(), max_issues=max_issues, grace=grace,
                                  security_dry_run=str(security_dry_run).lower()))


def start_scan(host: Any, body: dict[str, Any] | None = None, expect: int = 202) -> requests.Response:
    resp = host.post("/api/v1/scans", json=body or {})
    assert resp.status_code == expect, resp.text
    assert_matches_openapi(resp)
    return resp


def wait_scan(host: Any, scan_id: str, *, act: bool = True, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        resp = host.get(f"/api/v1/scans/{scan_id}")
        assert resp.status_code == 200, resp.text
        body = resp.json()
        done = body["status"] in ("Completed", "Failed") and (
            not act or body["status"] == "Failed" or body["actions"]["status"] in ("Completed", "Failed"))
        if done:
            assert_matches_openapi(resp)
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"scan {scan_id} did not finish: {body}\n{host.log_text()[-3000:]}")
        time.sleep(0.3)


def wait_idle(host: Any, timeout: float = 60) -> None:
    """Wait until no scan holds the lock (the previous test's scan and act finished)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        items = host.get("/api/v1/scans?pageSize=5").json()["items"]
        if all(i["status"] in ("Completed", "Failed") and i["actions"]["status"] not in ("Pending", "Running")
               for i in items):
            return
        time.sleep(0.3)
    raise AssertionError("scans still running")


def actions(host: Any, scan_id: str) -> list[dict[str, Any]]:
    resp = host.get(f"/api/v1/scans/{scan_id}/actions?pageSize=200")
    assert resp.status_code == 200, resp.text
    assert_matches_openapi(resp)
    return resp.json()["items"]


def sim_issues(sim: Any, repo_name: str) -> list[dict[str, Any]]:
    resp = requests.get(f"{sim.base_url}/repos/acme/{repo_name}/issues?state=all&per_page=100",
                        headers={"Authorization": f"token {TOKEN}"}, timeout=HANG_GUARD_S)
    resp.raise_for_status()
    return [i for i in resp.json() if "pull_request" not in i]


def start_webhook_host(local_host: Any, sim: Any, folder: Path, config: str, secret: str, debounce: float, *,
                       deliver: bool) -> Any:
    """A local host enforcing `config` on githubsim's `acme`, taking webhooks signed with `secret`, with its app
    database in `folder`; `deliver` tells githubsim to send its own changes there (else the test posts them)."""
    (folder / "policies.yaml").write_text(config)
    started = local_host(env={"GITHUB_BASE_URL": sim.base_url, "GITHUB_TOKEN": TOKEN, "GITHUB_ORG": "acme",
                              "POLICY_CONFIG_PATH": str(folder / "policies.yaml"),
                              "APP_DATABASE_URL": f"sqlite:///{folder / 'app.db'}",
                              "GITHUB_WEBHOOK_SECRET": secret, "POLICY_WEBHOOK_DEBOUNCE_SECONDS": f"{debounce:g}"})
    if deliver:
        sim.update({"webhook": {"url": started.url("/api/github/webhook"), "secret": secret}})
    return started
