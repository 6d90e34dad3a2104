"""Every event type end to end, sent by githubsim itself (issue 13): its admin API and REST writes change a
repository, githubsim signs and delivers the webhook GitHub would send, and the local host (with Azurite)
re-evaluates and acts. Protection added closes the issue; a push touching README re-evaluates the file checks; a
push touching no checked file costs no GitHub request; archived or deleted closes the open violations in the
database; a repository ruleset re-evaluates branch protection in its repository, an organization ruleset only in
the repositories it targets (before and after an edit); a collaborator change re-evaluates outside admins."""
from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.policy_support import GOOD_FILES, PROTECTION, TOKEN, repo, seed, sim_issues, wait_idle
from tests.e2e.policy_support import start_scan, start_webhook_host, wait_scan
from tests.support.githubsim import start_githubsim
from tests.support.waiting import HANG_GUARD_S

SECRET = "whsec-e2e-events-7a2d"
CONFIG = """
version: 1
settings:
  issueLabel: policy-enforcer
  orgOverride: {enabled: false}
policies:
  - {id: branch-protection, check: branch-protection, severity: high}
  - {id: readme, check: readme-present}
  - {id: outside-admins, check: no-outside-admins, severity: high}
"""
RULES = [{"type": "pull_request", "parameters": {"required_approving_review_count": 1}},
         {"type": "non_fast_forward"}]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("webhook-events")


@pytest.fixture(scope="module")
def sim() -> Any:
    server = start_githubsim(seed([repo("steady")]))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def host(local_host: Any, sim: Any, folder: Path) -> Any:
    return start_webhook_host(local_host, sim, folder, CONFIG, SECRET, debounce=1, deliver=True)


@pytest.fixture(autouse=True)
def _idle(host: Any) -> None:
    wait_idle(host)


def wait_for(what: str, check: Callable[[], Any], host: Any) -> Any:
    deadline = time.monotonic() + HANG_GUARD_S
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} never happened\n{host.log_text()[-3000:]}")
        time.sleep(0.3)


def issue_states(sim: Any, name: str) -> dict[str, str]:
    """Issue title → state, for the enforcer's issues of one repository."""
    return {i["title"]: i["state"] for i in sim_issues(sim, name)}


def issue_state(sim: Any, name: str, policy_word: str) -> str | None:
    found = [state for title, state in issue_states(sim, name).items() if policy_word.lower() in title.lower()]
    assert len(found) <= 1, issue_states(sim, name)  # never a duplicate
    return found[0] if found else None


def delivered(sim: Any, count_before: int) -> list[dict[str, Any]]:
    """githubsim's deliveries since `count_before`, once every one was answered 2xx by the host."""
    deliveries = sim.admin("GET", "webhooks/deliveries")["deliveries"][count_before:]
    return deliveries if deliveries and all(d["delivered"] for d in deliveries) else []


def delivery_count(sim: Any) -> int:
    return len(sim.admin("GET", "webhooks/deliveries")["deliveries"])


def links(folder: Path, name: str) -> dict[str, str]:
    with sqlite3.connect(folder / "app.db") as conn:
        rows = conn.execute("SELECT policy_id, state FROM policy_issue_links WHERE repository = ?", (name,))
        return {policy: state for policy, state in rows.fetchall()}


def webhook_scans(host: Any) -> list[dict[str, Any]]:
    return [s for s in host.get("/api/v1/scans?pageSize=100").json()["items"] if s["trigger"] == "webhook"]


def unprotected(sim: Any, host: Any, name: str, **extra: Any) -> None:
    """A new repository without branch protection: githubsim's `repository.created` opens its issue."""
    sim.put_repo(name, repo(name, branch_protection={}, **extra))
    wait_for(f"{name}'s branch-protection issue", lambda: issue_state(sim, name, "protect") == "open", host)


def test_protection_added_in_githubsim_closes_the_issue(host: Any, sim: Any) -> None:
    unprotected(sim, host, "guarded")
    sim.update({"repos": {"guarded": {"branch_protection": PROTECTION}}})  # branch_protection_rule.created
    wait_for("the issue closed", lambda: issue_state(sim, "guarded", "protect") == "closed", host)
    assert len(sim_issues(sim, "guarded")) == 1


def test_a_push_touching_the_readme_re_evaluates_the_file_checks(host: Any, sim: Any) -> None:
    sim.put_repo("docs", repo("docs"))  # compliant: no issue
    wait_for("the created repository evaluated", lambda: any("docs" in str(s.get("repositories")) or
                                                             s["repositoriesScanned"] for s in webhook_scans(host)),
             host)
    wait_idle(host)
    without_readme = {k: v for k, v in GOOD_FILES.items() if k != "README.md"}
    sim.update({"repos": {"docs": {"files": without_readme}}})  # push removing README.md
    wait_for("the README issue opened", lambda: issue_state(sim, "docs", "readme") == "open", host)
    pushes = [d for d in sim.admin("GET", "webhooks/deliveries")["deliveries"] if d["event"] == "push"]
    assert pushes[-1]["payload"]["commits"][0]["removed"] == ["README.md"]
    wait_idle(host)
    sim.update({"repos": {"docs": {"files": dict(GOOD_FILES)}}})  # push adding it back
    wait_for("the README issue closed", lambda: issue_state(sim, "docs", "readme") == "closed", host)
    assert issue_state(sim, "docs", "protect") is None


def test_a_push_touching_no_checked_file_costs_no_github_request(host: Any, sim: Any, folder: Path) -> None:
    scans_before = len(webhook_scans(host))
    count = delivery_count(sim)
    since = max([r["seq"] for r in sim.requests()] or [0])
    sim.update({"repos": {"steady": {"files": {**GOOD_FILES, "src/app.py": "print('hi')\n"}}}})
    [push] = wait_for("the push delivered", lambda: delivered(sim, count), host)
    assert push["event"] == "push" and push["payload"]["commits"][0]["added"] == ["src/app.py"]
    time.sleep(3)  # well past the 1 s debounce: an evaluation would have started by now
    assert sim.requests(since) == []
    assert len(webhook_scans(host)) == scans_before
    with sqlite3.connect(folder / "app.db") as conn:
        [(outcome,)] = conn.execute("SELECT outcome FROM policy_webhook_deliveries WHERE delivery_id = ?",
                                    (push["deliveryId"],)).fetchall()
    assert outcome == "ignored"


def test_archiving_a_repository_closes_its_open_violations_in_the_database(host: Any, sim: Any,
                                                                           folder: Path) -> None:
    unprotected(sim, host, "retired")   # the issue is on GitHub; its link is recorded open right after that
    wait_for("the link recorded open", lambda: links(folder, "retired") == {"branch-protection": "open"}, host)
    wait_idle(host)
    scans_before = len(webhook_scans(host))
    patched = requests.patch(f"{sim.base_url}/repos/acme/retired", json={"archived": True}, timeout=30,
                             headers={"Authorization": f"token {TOKEN}"})  # REST write → repository.archived
    assert patched.status_code == 200, patched.text
    wait_for("the link closed", lambda: links(folder, "retired") == {"branch-protection": "closed"}, host)
    wait_for("the archived repository evaluated", lambda: len(webhook_scans(host)) > scans_before, host)
    wait_idle(host)
    # The archived repository's evaluation records it as skipped and opens nothing (its issues are read-only).
    assert issue_state(sim, "retired", "protect") == "open"  # GitHub keeps it; the database no longer counts it
    with sqlite3.connect(folder / "app.db") as conn:
        [(outcome,)] = conn.execute(
            "SELECT r.outcome FROM policy_results r JOIN policy_scans s ON s.scan_id = r.scan_id "
            "WHERE r.repository = 'retired' AND r.policy_id = 'branch-protection' ORDER BY s.created_at DESC "
            "LIMIT 1").fetchall()
    assert outcome == "skipped"


def test_deleting_a_repository_closes_its_open_violations_in_the_database(host: Any, sim: Any,
                                                                          folder: Path) -> None:
    unprotected(sim, host, "doomed")
    wait_idle(host)
    count = delivery_count(sim)
    requests.delete(f"{sim.base_url}/_sim/repos/doomed", timeout=30).raise_for_status()  # repository.deleted
    [deleted] = wait_for("the deletion delivered", lambda: delivered(sim, count), host)
    assert (deleted["event"], deleted["action"]) == ("repository", "deleted")
    assert links(folder, "doomed") == {"branch-protection": "closed"}


def test_a_repository_ruleset_re_evaluates_branch_protection_and_closes_the_issue(host: Any, sim: Any) -> None:
    unprotected(sim, host, "ruled")
    wait_idle(host)
    sim.update({"repos": {"ruled": {"rulesets": [{"name": "protect-main", "enforcement": "active",
                                                   "branches": ["~DEFAULT_BRANCH"], "rules": RULES}]}}})
    wait_for("the issue closed", lambda: issue_state(sim, "ruled", "protect") == "closed", host)
    deliveries = sim.admin("GET", "webhooks/deliveries")["deliveries"]
    assert any(d["event"] == "repository_ruleset" and d["payload"]["repository"]["name"] == "ruled"
               for d in deliveries)


def scan_ids(folder: Path) -> set[str]:
    with sqlite3.connect(folder / "app.db") as conn:
        return {scan_id for (scan_id,) in conn.execute("SELECT scan_id FROM policy_scans").fetchall()}


def evaluated_since(folder: Path, before: set[str]) -> dict[str, set[str]]:
    """Scans started since `before` → the repositories each stored results for."""
    with sqlite3.connect(folder / "app.db") as conn:
        rows = conn.execute("SELECT s.scan_id, r.repository FROM policy_scans s LEFT JOIN policy_results r "
                            "ON r.scan_id = s.scan_id").fetchall()
    out: dict[str, set[str]] = {}
    for scan_id, repository in rows:
        if scan_id not in before:
            out.setdefault(scan_id, set()).update({repository} if repository else set())
    return out


def org_ruleset(include: list[str]) -> dict[str, Any]:
    return {"name": "demo-baseline", "enforcement": "active", "branches": ["~DEFAULT_BRANCH"],
            "repository_name": {"include": include}, "rules": RULES}


def test_an_organization_ruleset_re_evaluates_only_the_repositories_it_targets_before_and_after_an_edit(
        host: Any, sim: Any, folder: Path) -> None:
    for name in ("demo-a1", "demo-a2", "demo-b1"):
        unprotected(sim, host, name)
    wait_idle(host)
    # The app resolves a ruleset's patterns against the repositories it knows: those of its last full listing.
    wait_scan(host, start_scan(host).json()["scanId"])
    protect = {name: (lambda n=name: issue_state(sim, n, "protect")) for name in ("demo-a1", "demo-a2", "demo-b1")}

    before = scan_ids(folder)
    sim.update({"orgRulesets": [org_ruleset(["demo-a*"])]})  # repository_ruleset.created
    wait_for("demo-a*'s issues closed", lambda: protect["demo-a1"]() == protect["demo-a2"]() == "closed", host)
    wait_idle(host)
    scans = evaluated_since(folder, before)
    assert set().union(*scans.values()) == {"demo-a1", "demo-a2"}  # not demo-b1, steady, ... and no org-wide scan
    assert protect["demo-b1"]() == "open"

    before = scan_ids(folder)
    sim.update({"orgRulesets": [org_ruleset(["demo-b*"])]})  # edited: demo-a* is no longer targeted
    wait_for("demo-b1's issue closed and demo-a*'s reopened",
             lambda: (protect["demo-b1"](), protect["demo-a1"](), protect["demo-a2"]()) == ("closed", "open", "open"),
             host)
    wait_idle(host)
    assert set().union(*evaluated_since(folder, before).values()) == {"demo-a1", "demo-a2", "demo-b1"}
    edited = [d for d in sim.admin("GET", "webhooks/deliveries")["deliveries"]
              if d["event"] == "repository_ruleset" and d["action"] == "edited"][-1]
    assert edited["payload"]["changes"]["conditions"]["updated"][0]["changes"]["include"] == {"from": ["demo-a*"]}

    before = scan_ids(folder)
    sim.update({"orgRulesets": []})  # deleted: its targets lose the rules
    wait_for("demo-b1's issue reopened", lambda: protect["demo-b1"]() == "open", host)
    wait_idle(host)
    assert set().union(*evaluated_since(folder, before).values()) == {"demo-b1"}
    assert all(len(sim_issues(sim, name)) == 1 for name in protect)  # reopened, never duplicated


def test_an_outside_admin_added_as_collaborator_opens_an_issue_and_removing_them_closes_it(host: Any,
                                                                                          sim: Any) -> None:
    sim.put_repo("shared", repo("shared"))
    wait_idle(host)
    contractor = {"login": "contractor", "permission": "admin", "outside": True}
    sim.update({"repos": {"shared": {"collaborators": [contractor]}}})  # member.added
    wait_for("the outside-admin issue opened", lambda: issue_state(sim, "shared", "outside") == "open", host)
    wait_idle(host)
    sim.update({"repos": {"shared": {"collaborators": [{**contractor, "permission": "read"}]}}})  # member.edited
    wait_for("the outside-admin issue closed", lambda: issue_state(sim, "shared", "outside") == "closed", host)
