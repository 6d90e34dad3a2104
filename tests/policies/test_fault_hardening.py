"""Issue 7's fault items at the service level, with the real gateway, githubsim and the app database (no host):
rate limit while planning, one repository's persistent 5xx, the act claim (exactly one act run per scan), the
stale-retry guard and the watchdog's verdicts."""
from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from shared.policies import service, store, watchdog
from shared.policies.config import load_config_file
from shared.policies.evaluation import PolicyOutcome
from shared.policies.github_reader import open_session
from shared.policies.models import ActRequest, ChunkInput, ScanRequest
from shared.storage.db import Database
from tests.e2e.policy_support import TOKEN, repo, seed, write_config
from tests.support.githubsim import start_githubsim

DOTNET_BODY = ('{"$type":"System.InvalidOperationException, System.Private.CoreLib","ClassName":'
               '"System.InvalidOperationException","Message":"Sequence contains no elements","StackTraceString":'
               '"   at System.Linq.ThrowHelper.ThrowNoElementsException()"}')


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    sim = start_githubsim(seed([repo("alpha"), repo("broken"), repo("gamma", files={})]))
    config = tmp_path / "policies.yaml"
    write_config(config)
    db_url = f"sqlite:///{tmp_path / 'app.db'}"
    for key, value in {"GITHUB_BASE_URL": sim.base_url, "GITHUB_TOKEN": TOKEN, "GITHUB_ORG": "acme",
                       "POLICY_CONFIG_PATH": str(config), "APP_DATABASE_URL": db_url}.items():
        monkeypatch.setenv(key, value)
    db = Database(db_url)
    monkeypatch.setattr("shared.storage.db._databases", {db_url: db})
    yield sim, db, config
    sim.stop()


def _new_scan(db: Database, config: Path, scan_id: str = "scan-20260101000000-abcdef") -> str:
    store.create_scan(db, scan_id, "manual", False, {}, load_config_file(str(config)), "acme")
    return scan_id


def test_rate_limit_while_reading_the_org_override_is_a_wait_not_a_failure(env: Any) -> None:
    sim, db, config = env
    config.write_text(config.read_text().replace("orgOverride: {enabled: false}", "orgOverride: {enabled: true}"))
    scan_id = _new_scan(db, config)
    reset = int(time.time()) + 600
    sim.set_rate_limit(remaining=10, reset=reset)  # below the reserve
    session = open_session()
    session.gateway.transport.get("/rate_limit")  # the session learns the budget, as after any earlier call
    plan = service.plan_scan(db, session, ScanRequest(scan_id))
    assert plan.ok and plan.rate_limited_until
    assert datetime.fromisoformat(plan.rate_limited_until) == datetime.fromtimestamp(reset, timezone.utc)
    assert store.get_scan(db, scan_id).status.value == "Running"


def test_a_repository_github_keeps_failing_for_becomes_error_results_and_a_warning(env: Any) -> None:
    sim, db, config = env
    scan_id = _new_scan(db, config)
    service.plan_scan(db, open_session(), ScanRequest(scan_id, policies=["readme", "security-policy"]))
    service.list_page(db, open_session(), scan_id, 1, [])
    sim.fault(r"/repos/acme/broken/git/trees/", 500, count=1000, message=DOTNET_BODY)

    first = service.evaluate_chunk(db, open_session(), ChunkInput(scan_id, 0, 10))
    assert first.unavailable and not first.fatal  # not final yet: the orchestrator pauses and tries again
    assert "500" in first.unavailable and "System." not in first.unavailable

    final = service.evaluate_chunk(db, open_session(), ChunkInput(scan_id, 0, 10, final_attempt=True))
    assert not final.unavailable and final.scanned == 3
    results = {(r["repository"], r["policy_id"]): r for r in db.query(
        "SELECT * FROM policy_results WHERE scan_id = ?", (scan_id,))}
    broken = [r for (name, _), r in results.items() if name == "broken"]
    assert {r["outcome"] for r in broken} == {"error"} and len(broken) == 2
    assert all("GitHub kept failing" in r["message"] and "System." not in r["message"]
               and "Sequence contains" not in r["message"] for r in broken)
    assert results[("gamma", "readme")]["outcome"] == "fail" and results[("alpha", "readme")]["outcome"] == "pass"

    summary = service.finish_scan(db, scan_id)
    scan = store.get_scan(db, scan_id)
    assert scan is not None and summary["completed"] and scan.status.value == "Completed"
    assert scan.repositories_scanned == 3
    assert scan.warning and "broken" in scan.warning and "System." not in scan.warning


def test_a_failed_scan_counts_the_results_stored_before_the_failure(env: Any) -> None:
    _, db, config = env
    scan_id = _new_scan(db, config)
    store.store_results(db, scan_id, [PolicyOutcome("alpha", "readme", "pass", "ok", "medium", "create-issue")])
    store.fail_scan(db, scan_id, "the scan failed: GitHub answered 502")
    assert store.get_scan(db, scan_id).repositories_scanned == 1


def _completed_scan(db: Database, config: Path, scan_id: str) -> str:
    _new_scan(db, config, scan_id)
    store.store_results(db, scan_id, [PolicyOutcome("gamma", "readme", "fail", "No README file was found.",
                                                    "medium", "create-issue", {"lookedIn": ["/"]})])
    store.complete_scan(db, scan_id, service.act_id_for(scan_id, 1))
    return scan_id


def test_a_late_queue_message_for_the_first_act_run_does_nothing_after_a_retry(env: Any) -> None:
    _, db, config = env
    scan_id = _completed_scan(db, config, "scan-20260101000000-000001")
    store.request_act(db, scan_id, service.act_id_for(scan_id, 2), 2)  # the manual retry designates :act:2
    late = service.plan_act(db, ActRequest(scan_id, f"{scan_id}:act", 1))
    assert late.superseded and f"{scan_id}:act:2" in late.error
    retry = service.plan_act(db, ActRequest(scan_id, f"{scan_id}:act:2", 2))
    assert retry.ok and not retry.superseded and retry.items == 1
    assert [r["act_id"] for r in db.query("SELECT act_id FROM policy_act_runs")] == [f"{scan_id}:act:2"]


def test_two_starters_of_the_same_act_run_one_claims_a_second_is_refused_until_it_is_released(env: Any) -> None:
    _, db, config = env
    scan_id = _completed_scan(db, config, "scan-20260101000000-000002")
    act_id = f"{scan_id}:act"
    assert store.claim_act(db, scan_id, act_id) == ""
    assert store.claim_act(db, scan_id, act_id) == ""  # the same run again (a retried activity) keeps its claim
    store.request_act(db, scan_id, f"{scan_id}:act:2", 2)  # a retry racing the first run
    assert "holds" in store.claim_act(db, scan_id, f"{scan_id}:act:2")
    store.finish_act_run(db, act_id, scan_id, "Completed")
    assert store.claim_act(db, scan_id, f"{scan_id}:act:2") == ""


def test_concurrent_claims_of_one_scan_let_exactly_one_run_act(env: Any) -> None:
    _, db, config = env
    scan_id = _completed_scan(db, config, "scan-20260101000000-000003")
    act_id = f"{scan_id}:act"
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(store.claim_act(db, scan_id, act_id)))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 8 and store.act_claim_holder(db, scan_id) == act_id


def test_a_newer_scan_of_the_same_repositories_makes_an_old_scan_stale(env: Any) -> None:
    _, db, config = env
    old = _completed_scan(db, config, "scan-20260101000000-000004")
    assert store.newer_scan_covering(db, old) is None
    time.sleep(0.01)
    new = _completed_scan(db, config, "scan-20260101000001-000005")
    assert store.newer_scan_covering(db, old) == new
    assert store.newer_scan_covering(db, new) is None


def _view(updated: datetime, custom: dict[str, Any] | None = None, alive: bool = True) -> watchdog.InstanceView:
    return watchdog.InstanceView(exists=True, alive=alive, runtime_status="Running" if alive else "Completed",
                                 last_updated=updated, custom_status=custom)


def test_watchdog_reports_a_run_without_progress_and_spares_deliberate_waits() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    timeout = timedelta(minutes=30)
    assert watchdog.stall_reason(_view(now - timedelta(minutes=10)), now, timeout) is None
    reason = watchdog.stall_reason(_view(now - timedelta(minutes=31), {"phase": "evaluating"}), now, timeout)
    assert reason and "evaluating" in reason and "1800 s" in reason
    waiting = {"phase": "waiting-rate-limit", "rateLimitedUntil": (now + timedelta(minutes=20)).isoformat()}
    assert watchdog.stall_reason(_view(now - timedelta(hours=2), waiting), now, timeout) is None
    grace = {"phase": "archive-grace-period", "graceUntil": (now - timedelta(hours=1)).isoformat()}
    assert watchdog.stall_reason(_view(now - timedelta(days=3), grace), now, timeout)
    assert watchdog.stall_reason(_view(now - timedelta(days=3), alive=False), now, timeout) is None
    assert json.dumps(reason)  # plain text


RULESET = {"name": "baseline", "enforcement": "active", "branches": ["~DEFAULT_BRANCH"],
           "repository_name": {"include": ["~ALL"], "exclude": []},
           "rules": [{"type": "pull_request", "parameters": {"required_approving_review_count": 1}}]}


def test_organization_rulesets_and_outside_collaborators_are_read_fresh_for_each_scan(env: Any) -> None:
    sim, _, _ = env
    first = open_session("scan-a")
    assert first.org_rulesets("acme") == () and first.org_outside_collaborators("acme") == frozenset()
    sim.update({"orgRulesets": [RULESET], "outsideCollaborators": ["mallory"]})
    sim.clear_log()
    again = open_session("scan-a")  # another chunk of the same scan: the same rules, no request
    assert again.org_rulesets("acme") == () and again.org_outside_collaborators("acme") == frozenset()
    assert not [r for r in sim.requests() if r["path"].startswith("/orgs/acme/")]
    later = open_session("scan-b")  # the next scan judges with the rules as they are now
    assert [rs["name"] for rs in later.org_rulesets("acme")] == ["baseline"]
    assert later.org_outside_collaborators("acme") == frozenset({"mallory"})


class StatusClient:
    """`get_status` over canned instances (the shape DF's client returns: attributes)."""

    def __init__(self, instances: dict[str, dict[str, Any]]) -> None:
        self.instances = instances

    async def get_status(self, instance_id: str) -> Any:
        from types import SimpleNamespace

        data = self.instances.get(instance_id)
        if data is None:
            return SimpleNamespace(runtime_status=None)
        return SimpleNamespace(runtime_status=SimpleNamespace(name=data["status"]),
                               last_updated_time=data["updated"], custom_status=data.get("custom"))


def test_a_scan_waiting_on_a_progressing_batch_is_not_stalled_but_one_whose_batches_ended_is() -> None:
    import asyncio

    now = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    timeout = timedelta(minutes=30)
    old = now - timedelta(hours=1)
    parent = {"status": "Running", "updated": old,
              "custom": {"phase": "evaluating", "batchesDone": 2, "batchesTotal": 6}}
    waiting_child = {"status": "Running", "updated": old,
                     "custom": {"phase": "waiting-rate-limit", "rateLimitedUntil": (now + timedelta(minutes=5))
                                .isoformat()}}
    done_child = {"status": "Completed", "updated": old}

    async def verdict(instances: dict[str, dict[str, Any]]) -> str | None:
        client = StatusClient(instances)
        view = await watchdog.observe(client, "s")
        return await watchdog.scan_stall_reason(client, "s", view, now, timeout)

    healthy = {"s": parent, "s:batch:2": done_child, "s:batch:3": waiting_child}
    assert asyncio.run(verdict(healthy)) is None
    dropped = {"s": parent, "s:batch:2": done_child, "s:batch:3": done_child}  # completions lost by the engine
    assert "stalled" in (asyncio.run(verdict(dropped)) or "")


@pytest.mark.parametrize(("raw", "expected"), [
    ("GitHub answered 502 to GET /repos/acme/x/git/trees/main",
     "GitHub answered 502 to GET /repos/acme/x/git/trees/main"),
    ('Activity function \'policy_evaluate_chunk\' failed: {"$type":"System.Exception, System.Private.CoreLib"}',
     "Activity function 'policy_evaluate_chunk' failed"),
    ("Microsoft.Azure.WebJobs.Host.FunctionInvocationException: Exception while executing", "an unexpected error"),
    ("boom\n   at System.Linq.Enumerable.First()\n", "boom"),
    ("token ghp_abcdefghijkl1234 rejected", "token *** rejected"),
    ("", "an unexpected error"),
])
def test_failure_reasons_keep_the_first_line_and_drop_payloads_and_secrets(raw: str, expected: str) -> None:
    from shared.policies.failures import redacted_reason

    assert redacted_reason(raw) == expected
