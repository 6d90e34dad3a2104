"""Webhook-driven enforcement through the local host, Azurite and githubsim (issue 13): a signed delivery for a new
unprotected repository opens one issue; a redelivery adds nothing; a bad signature records nothing; a burst is one
evaluation; protection added closes the issue; a webhook racing a scan opens one issue; a push that touches no
checked file costs no GitHub request."""
from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from shared.policies.webhooks import sign
from tests.e2e.policy_support import PROTECTION, TOKEN, repo, seed, sim_issues, start_scan, start_webhook_host
from tests.e2e.policy_support import wait_idle, wait_scan
from tests.support.githubsim import start_githubsim
from tests.support.openapi_contract import assert_matches_openapi
from tests.support.waiting import wait_for

SECRET = "whsec-e2e-5f1c"
CONFIG = """
version: 1
settings:
  issueLabel: policy-enforcer
  orgOverride: {enabled: false}
policies:
  - id: branch-protection
    check: branch-protection
    severity: high
  - id: readme
    check: readme-present
    severity: medium
"""


@pytest.fixture(scope="module")
def sim() -> Any:
    server = start_githubsim(seed([repo("existing")]))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def host(local_host: Any, sim: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return start_webhook_host(local_host, sim, tmp_path_factory.mktemp("webhooks"), CONFIG, SECRET, debounce=2,
                              deliver=False)


@pytest.fixture(autouse=True)
def _idle(host: Any) -> None:
    wait_idle(host)


def deliver(host: Any, event: str, payload: dict[str, Any], delivery: str | None = None,
            secret: str = SECRET) -> requests.Response:
    body = json.dumps(payload).encode()
    resp = requests.post(host.url("/api/github/webhook"), data=body, timeout=30, headers={
        "Content-Type": "application/json", "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()), "X-Hub-Signature-256": sign(secret, body),
        "User-Agent": "GitHub-Hookshot/e2e"})  # no function key: the signature is the authentication
    assert_matches_openapi(resp)
    return resp


def repository_payload(name: str, action: str = "created") -> dict[str, Any]:
    return {"action": action, "repository": {"name": name, "full_name": f"acme/{name}", "default_branch": "main",
                                             "owner": {"login": "acme"}, "private": True},
            "organization": {"login": "acme"}, "sender": {"login": "octocat"}}


def wait_webhook_scans(host: Any, count: int, timeout: float = 60) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        scans = [s for s in host.get("/api/v1/scans?pageSize=100").json()["items"] if s["trigger"] == "webhook"]
        if len(scans) >= count and all(s["status"] in ("Completed", "Failed") and
                                       s["actions"]["status"] in ("Completed", "Failed") for s in scans):
            return scans
        if time.monotonic() > deadline:
            raise AssertionError(f"expected {count} webhook scans: {scans}\n{host.log_text()[-3000:]}")
        time.sleep(0.3)


def test_signed_delivery_for_a_new_unprotected_repository_opens_one_issue_and_a_redelivery_adds_nothing(
        host: Any, sim: Any) -> None:
    sim.put_repo("fresh", repo("fresh", branch_protection={}))
    delivery = str(uuid.uuid4())
    first = deliver(host, "repository", repository_payload("fresh"), delivery)
    assert first.status_code == 202, first.text
    assert first.json()["repositories"] == ["fresh"]
    scans = wait_webhook_scans(host, 1)
    scan = scans[0]
    assert scan["status"] == "Completed" and scan["repositoriesScanned"] == 1
    assert scan["deliveries"] == [delivery]
    violations = host.get(f"/api/v1/scans/{scan['scanId']}/violations").json()["items"]
    assert [(v["repository"], v["policyId"]) for v in violations] == [("fresh", "branch-protection")]
    issues = sim_issues(sim, "fresh")
    assert len(issues) == 1 and issues[0]["state"] == "open"

    again = deliver(host, "repository", repository_payload("fresh"), delivery)  # GitHub redelivers
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    time.sleep(3)  # longer than the debounce: a second evaluation would have started by now
    assert len(wait_webhook_scans(host, 1)) == 1
    assert len(sim_issues(sim, "fresh")) == 1

    # Protection added → the repository's next event closes the issue.
    sim.update({"repos": {"fresh": {"branch_protection": PROTECTION}}})
    assert deliver(host, "branch_protection_rule", {**repository_payload("fresh", "created"),
                                                    "rule": {"name": "main"}}).status_code == 202
    wait_webhook_scans(host, 2)
    closed = sim_issues(sim, "fresh")
    assert len(closed) == 1 and closed[0]["state"] == "closed"


def test_a_bad_signature_is_401_and_records_nothing(host: Any, sim: Any) -> None:
    before = host.get("/api/v1/scans?pageSize=100").json()["total"]
    body = json.dumps(repository_payload("existing")).encode()
    for signature in (sign("not-the-secret", body), "", "sha256=" + "0" * 64):
        resp = requests.post(host.url("/api/github/webhook"), data=body, timeout=30, headers={
            "X-GitHub-Event": "repository", "X-GitHub-Delivery": str(uuid.uuid4()),
            **({"X-Hub-Signature-256": signature} if signature else {})})
        assert resp.status_code == 401, resp.text
        assert resp.headers["content-type"].startswith("application/problem+json")
        assert_matches_openapi(resp)
    time.sleep(3)
    assert host.get("/api/v1/scans?pageSize=100").json()["total"] == before


def test_a_burst_of_twenty_events_for_one_repository_is_one_evaluation(host: Any, sim: Any) -> None:
    before = len(wait_webhook_scans(host, 0))
    sim.put_repo("busy", repo("busy", branch_protection={}))
    # Sent at once, as GitHub's burst would be: one after another they could outlast the 2 s debounce on a loaded
    # machine, and a second evaluation after the window is right.
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda n: deliver(host, "repository" if n % 2 else "branch_protection_rule",
                                                  repository_payload("busy", "edited")).status_code, range(20)))
    assert answers == [202] * 20
    time.sleep(3)
    scans = wait_webhook_scans(host, before + 1)
    assert len(scans) == before + 1
    assert len(sim_issues(sim, "busy")) == 1


def test_a_push_that_touches_no_checked_file_costs_no_github_request(host: Any, sim: Any) -> None:
    before = len(wait_webhook_scans(host, 0))
    sim.clear_log()
    push = {"ref": "refs/heads/main", "before": "0" * 40, "after": "1" * 40,
            "repository": {"name": "existing", "full_name": "acme/existing", "default_branch": "main",
                           "owner": {"login": "acme", "name": "acme"}},
            "commits": [{"id": "1" * 40, "added": ["src/new.py"], "removed": [], "modified": ["src/app.py"]}]}
    resp = deliver(host, "push", push)
    assert resp.status_code == 202 and resp.json()["outcome"] == "ignored"
    time.sleep(3)
    assert sim.requests() == []
    assert len(wait_webhook_scans(host, 0)) == before


def test_a_webhook_and_a_scan_racing_on_one_repository_open_one_issue(host: Any, sim: Any) -> None:
    sim.put_repo("racy", repo("racy", branch_protection={}))
    before = len(wait_webhook_scans(host, 0))
    scan_id = start_scan(host, {"repositories": ["racy"]}).json()["scanId"]
    assert deliver(host, "repository", repository_payload("racy")).status_code == 202
    assert wait_scan(host, scan_id)["actions"]["status"] == "Completed"
    webhook = wait_webhook_scans(host, before + 1)
    assert all(s["actions"]["status"] == "Completed" for s in webhook)
    assert len(sim_issues(sim, "racy")) == 1


def test_githubsim_sends_the_webhook_itself_when_a_repository_is_created(host: Any, sim: Any) -> None:
    before = len(wait_webhook_scans(host, 0))
    sim.update({"webhook": {"url": host.url("/api/github/webhook"), "secret": SECRET}})
    try:
        sim.put_repo("from-sim", repo("from-sim", branch_protection={}))
        scans = wait_webhook_scans(host, before + 1)
        assert len(scans) == before + 1
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not sim_issues(sim, "from-sim"):
            time.sleep(0.3)
        assert len(sim_issues(sim, "from-sim")) == 1
        # the sim records the answer after its request returned: wait for it rather than read it at once
        deliveries = wait_for(lambda: (lambda d: d if d and d[-1]["history"] else None)(
            sim.admin("GET", "webhooks/deliveries")["deliveries"]), "the sim to record the delivery's answer")
        assert deliveries[-1]["event"] == "repository" and deliveries[-1]["history"] == [202]
    finally:
        sim.update({"webhook": None})
