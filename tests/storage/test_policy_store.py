"""The Policy Enforcer's store (`shared/policies/store.py`) on every backend: scans and their singleton lock,
snapshots, results and violations, issue-link claims, the action log and act runs."""
from __future__ import annotations

from pathlib import Path

import pytest

from shared.policies import service, store
from shared.policies.config import PolicyConfig, load_config_file
from shared.policies.evaluation import PolicyOutcome
from shared.policies.repo import RepoSnapshot
from shared.storage.db import Database
from tests.storage.concurrency import race

CONFIG_PATH = Path(__file__).resolve().parents[2] / "config" / "policies.yaml"


@pytest.fixture(scope="module")
def config() -> PolicyConfig:
    return load_config_file(str(CONFIG_PATH))


def scan_id(n: int) -> str:
    return f"scan-2026010100000{n}-abcde{n}"


def outcome(repo: str, policy: str, kind: str, details: dict | None = None) -> PolicyOutcome:
    return PolicyOutcome(repo, policy, kind, f"{policy} on {repo}: {kind}", "medium", "create-issue", details or {})


def test_one_scan_at_a_time_through_the_lock(app_db: Database, config: PolicyConfig) -> None:
    store.create_scan(app_db, scan_id(1), "manual", True, {"policies": ["readme"]}, config, "acme")
    with pytest.raises(store.ScanAlreadyRunning) as held:
        store.create_scan(app_db, scan_id(2), "timer", False, {}, config, "acme")
    assert held.value.scan_id == scan_id(1) and store.get_scan(app_db, scan_id(2)) is None  # nothing half-written
    assert store.lock_holder(app_db) == scan_id(1)
    store.release_lock(app_db, scan_id(2))  # not the holder: no effect
    assert store.lock_holder(app_db) == scan_id(1)
    store.fail_scan(app_db, scan_id(1), "boom" * 1000)
    row = store.get_scan(app_db, scan_id(1))
    assert (row.status, len(row.error), row.dry_run) == ("Failed", 2000, 1)
    assert store.lock_holder(app_db) is None
    store.create_scan(app_db, scan_id(2), "timer", False, {}, config, "acme")
    assert store.scan_config(app_db, scan_id(2)) == config
    with pytest.raises(LookupError):
        store.scan_config(app_db, scan_id(9))


def test_two_scans_started_at_once_one_wins(app_db: Database, config: PolicyConfig) -> None:
    results = race(app_db, lambda: store.create_scan(app_db, scan_id(1), "manual", False, {}, config, "acme"),
                   lambda: store.create_scan(app_db, scan_id(2), "timer", False, {}, config, "acme"))
    assert sorted(type(r).__name__ for r in results) == ["NoneType", "ScanAlreadyRunning"]
    winner = scan_id(1) if results[0] is None else scan_id(2)
    assert store.lock_holder(app_db) == winner
    assert [r.scan_id for r in store.list_scans(app_db, 0, 10)[0]] == [winner]


def test_scan_lifecycle_counts_and_paging(app_db: Database, config: PolicyConfig) -> None:
    for n in range(1, 4):
        store.create_scan(app_db, scan_id(n), "manual", False, {}, config, "acme")
        store.mark_scan_running(app_db, scan_id(n))
        store.set_repositories_total(app_db, scan_id(n), 2)
        store.store_results(app_db, scan_id(n), [outcome("svc", "readme", "fail"), outcome("web", "readme", "pass")])
        assert store.complete_scan(app_db, scan_id(n), f"{scan_id(n)}:act")
    assert not store.complete_scan(app_db, scan_id(3), "other")  # already final
    row = store.get_scan(app_db, scan_id(3))
    assert (row.status, row.act_id, row.act_status, row.act_attempt) == \
        ("Completed", f"{scan_id(3)}:act", "Pending", 1)
    assert (row.repositories_total, row.repositories_scanned, row.violations_found) == (2, 2, 1)
    assert store.refresh_scan_counts(app_db, scan_id(3)) == (2, 1)
    first, total = store.list_scans(app_db, 0, 2)
    second, _ = store.list_scans(app_db, 2, 2)
    assert total == 3 and [r.scan_id for r in first + second] == [scan_id(3), scan_id(2), scan_id(1)]


def test_repository_snapshots_are_replaced_per_position(app_db: Database) -> None:
    repos = [RepoSnapshot(f"r{i}", f"acme/r{i}", topics=("go", "é"), custom_properties={"tier": "1"})
             for i in range(5)]
    store.store_repositories(app_db, scan_id(1), 0, repos[:3])
    store.store_repositories(app_db, scan_id(1), 3, repos[3:])
    store.store_repositories(app_db, scan_id(1), 0, repos[:3])  # a retried page
    store.store_repositories(app_db, scan_id(2), 0, repos[:1])
    assert store.count_repositories(app_db, scan_id(1)) == 5
    assert store.load_repositories(app_db, scan_id(1), 2, 2) == repos[2:4]
    assert store.load_repository(app_db, scan_id(1), "r4") == repos[4]
    assert store.load_repository(app_db, scan_id(1), "nope") is None


def test_results_replace_per_repository_and_violations_page(app_db: Database) -> None:
    sid = scan_id(1)
    store.store_results(app_db, sid, [outcome(f"r{i}", p, "fail", {"i": i})
                                      for i in range(3) for p in ("license", "readme")])
    store.store_results(app_db, sid, [outcome("r1", "license", "pass"), outcome("r1", "readme", "fail", {"i": 1}),
                                      outcome("r3", "readme", "error")])  # a retried chunk
    assert store.result_counts(app_db, sid) == {"fail": 5, "pass": 1, "error": 1}
    pages = [store.list_violations(app_db, sid, offset, 2) for offset in (0, 2, 4)]
    assert {total for _, total in pages} == {5}
    keys = [(r.repository, r.policy_id) for rows, _ in pages for r in rows]
    assert keys == [("r0", "license"), ("r0", "readme"), ("r1", "readme"), ("r2", "license"), ("r2", "readme")]
    assert pages[0][0][0].details_hash == store.details_hash({"i": 0})
    assert store.list_violations(app_db, scan_id(2), 0, 10) == ([], 0)
    assert store.already_logged(app_db, "act", "r0", "license", ("created",)) is False


def test_work_items_are_violations_then_open_issues_now_passing(app_db: Database) -> None:
    sid = scan_id(1)
    store.store_results(app_db, sid, [outcome("a", "readme", "fail", {"x": 1}), outcome("b", "readme", "pass"),
                                      outcome("c", "readme", "exempt"), outcome("d", "readme", "pass")])
    for repo in ("b", "c"):
        assert store.claim_link(app_db, repo, "readme", "old-act")
        store.save_link(app_db, repo, "readme", 7, f"https://example/{repo}/7", "open", "h")
    items = store.act_work_items(app_db, sid)
    assert [(i.kind, i.repository) for i in items] == [("violation", "a"), ("resolved", "b"), ("resolved", "c")]
    assert items[0].details == {"x": 1} and items[2].details == {"outcome": "exempt"}


def test_issue_link_claim_is_exclusive_until_released_or_expired(app_db: Database) -> None:
    assert store.get_link(app_db, "svc", "readme") is None
    results = race(app_db, lambda: store.claim_link(app_db, "svc", "readme", "act-1"),
                   lambda: store.claim_link(app_db, "svc", "readme", "act-2"))
    assert sorted(results) == [False, True]
    winner, loser = ("act-1", "act-2") if results[0] else ("act-2", "act-1")
    assert store.claim_link(app_db, "svc", "readme", winner)  # re-entrant for a retried activity
    assert not store.claim_link(app_db, "svc", "readme", loser)
    store.save_link(app_db, "svc", "readme", 12, "https://example/svc/12", "open", "abc")
    store.release_link(app_db, "svc", "readme", loser)  # not the holder: no effect
    assert not store.claim_link(app_db, "svc", "readme", loser)
    store.release_link(app_db, "svc", "readme", winner)
    assert store.claim_link(app_db, "svc", "readme", loser, ttl_seconds=-1)  # a claim that has already expired
    assert store.claim_link(app_db, "svc", "readme", "act-3")  # ... so a later run may take it over
    link = store.get_link(app_db, "svc", "readme")
    assert (link["issue_number"], link["state"], link["details_hash"], link["claimed_by"]) == (12, "open", "abc",
                                                                                              "act-3")


def test_action_log_pages_in_order_and_counts(app_db: Database) -> None:
    sid, act = scan_id(1), f"{scan_id(1)}:act"
    for i in range(5):
        store.log_action(app_db, sid, act, f"r{i}", "readme", "create-issue", "created" if i % 2 else "failed", 1,
                         message="m" * 3000, http_status=201, issue_number=i, issue_url=f"https://example/{i}")
    store.log_action(app_db, scan_id(2), "other", "r0", "readme", "create-issue", "created", 1)
    pages = [store.list_actions(app_db, sid, offset, 2) for offset in (0, 2, 4)]
    assert {total for _, total in pages} == {5}
    rows = [r for page, _ in pages for r in page]
    assert [r.issue_number for r in rows] == sorted(r.issue_number for r in rows)  # created_at order
    assert {r.repository for r in rows} == {f"r{i}" for i in range(5)} and len(rows[0].message) == 2000
    assert store.action_counts(app_db, sid) == {"created": 2, "failed": 3}
    assert store.count_outcomes_for_act(app_db, act, "created") == 2
    assert store.already_logged(app_db, act, "r1", "readme", ("created", "updated"))
    assert not store.already_logged(app_db, act, "r0", "readme", ("created", "updated"))


def test_act_runs_start_idempotently_and_finish_or_get_lost(app_db: Database, config: PolicyConfig) -> None:
    sid = scan_id(1)
    store.create_scan(app_db, sid, "manual", False, {}, config, "acme")
    store.complete_scan(app_db, sid, f"{sid}:act")
    store.start_act_run(app_db, f"{sid}:act", sid, 1)
    store.start_act_run(app_db, f"{sid}:act", sid, 1)  # a retried activity (duplicate insert inside a transaction)
    assert app_db.query_one("SELECT COUNT(*) AS n FROM policy_act_runs")["n"] == 1
    assert store.get_scan(app_db, sid).act_status == "Running"
    store.finish_act_run(app_db, f"{sid}:act", sid, "Failed", "e" * 3000)
    scan = store.get_scan(app_db, sid)
    assert (scan.act_status, len(scan.act_error)) == ("Failed", 2000)
    store.request_act(app_db, sid, f"{sid}:act:2", 2)
    scan = store.get_scan(app_db, sid)
    assert (scan.act_id, scan.act_status, scan.act_attempt, scan.act_error) == \
        (f"{sid}:act:2", "Pending", 2, None)
    store.start_act_run(app_db, f"{sid}:act:2", sid, 2)
    store.mark_act_lost(app_db, sid, f"{sid}:act:2", "the host restarted")
    store.mark_act_lost(app_db, sid, f"{sid}:act", "ignored: not running")
    runs = {r["act_id"]: r for r in app_db.query("SELECT * FROM policy_act_runs")}
    assert (runs[f"{sid}:act:2"]["status"], runs[f"{sid}:act:2"]["error"]) == ("Failed", "the host restarted")
    assert runs[f"{sid}:act"]["error"] == "e" * 2000
    assert store.get_scan(app_db, sid).act_status == "Failed"
