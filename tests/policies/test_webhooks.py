"""The webhook use cases without a host: signature, routing table, delivery dedup and per-repository coalescing,
against the real app database (SQLite) with a recording enqueue."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from shared.policies import webhook_store, webhooks
from shared.storage.db import Database

SECRET = "whsec-test-secret"


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return Database(f"sqlite:///{tmp_path / 'app.db'}")


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, int]] = []

    def __call__(self, repository: str, delay_seconds: int) -> None:
        self.sent.append((repository, delay_seconds))


def _repo(name: str, owner: str = "acme") -> dict[str, Any]:
    return {"name": name, "full_name": f"{owner}/{name}", "owner": {"login": owner}, "default_branch": "main"}


def _deliver(db: Database, enqueue: Recorder, event: str, payload: dict[str, Any], delivery: str,
             secret: str = SECRET, signature: str | None = None) -> webhooks.WebhookAnswer:
    body = json.dumps(payload).encode()
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery,
               "X-Hub-Signature-256": signature if signature is not None else webhooks.sign(secret, body)}
    return webhooks.receive(db, secret=SECRET, org="acme", headers=headers, body=body, enqueue=enqueue,
                            debounce_seconds=3)


def test_signature_is_hmac_sha256_of_the_raw_body_compared_whole() -> None:
    body = b'{"zen": "Keep it logically awesome."}'
    good = webhooks.sign(SECRET, body)
    assert webhooks.verify_signature(SECRET, body, good)
    assert not webhooks.verify_signature(SECRET, body + b" ", good)
    assert not webhooks.verify_signature("other", body, good)
    assert not webhooks.verify_signature(SECRET, body, good[:-1])
    assert not webhooks.verify_signature(SECRET, body, good.replace("sha256=", "sha1="))
    assert not webhooks.verify_signature(SECRET, body, None)
    assert not webhooks.verify_signature("", body, webhooks.sign("", body))  # no secret configured: refuse all


def test_a_bad_or_missing_signature_is_401_and_records_nothing(db: Database) -> None:
    sent = Recorder()
    payload = {"action": "created", "repository": _repo("svc")}
    assert _deliver(db, sent, "repository", payload, "d-1", secret="wrong").status == 401
    assert _deliver(db, sent, "repository", payload, "d-2", signature="").status == 401
    assert webhook_store.list_deliveries(db) == [] and sent.sent == []
    assert db.query("SELECT * FROM policy_webhook_pending") == []


def test_a_redelivery_is_a_no_op(db: Database) -> None:
    sent = Recorder()
    payload = {"action": "created", "repository": _repo("svc")}
    first = _deliver(db, sent, "repository", payload, "d-1")
    assert first.status == 202 and first.body["repositories"] == ["svc"]
    webhook_store.take_pending(db, "svc")  # evaluated meanwhile
    again = _deliver(db, sent, "repository", payload, "d-1")
    assert again.status == 200 and again.body["outcome"] == "duplicate"
    assert sent.sent == [("svc", 3)] and db.query("SELECT * FROM policy_webhook_pending") == []
    assert len(webhook_store.list_deliveries(db)) == 1


def test_a_burst_for_one_repository_enqueues_one_evaluation_covering_every_event(db: Database) -> None:
    sent = Recorder()
    _deliver(db, sent, "branch_protection_rule", {"action": "edited", "repository": _repo("svc")}, "d-0")
    for n in range(1, 20):
        push = {"ref": "refs/heads/main", "repository": _repo("svc"), "commits": [{"modified": ["README.md"]}]}
        assert _deliver(db, sent, "push", push, f"d-{n}").status == 202
    assert sent.sent == [("svc", 3)]
    [due] = webhooks.take_due(db, "svc")
    assert due.repositories == ("svc",) and len(due.deliveries) == 20
    assert set(due.checks) == {"branch-protection", *webhooks.FILE_CHECKS}
    assert webhooks.take_due(db, "svc") == []  # a redelivered queue message finds nothing to do


def test_a_push_that_touches_no_checked_file_or_another_branch_changes_nothing(db: Database) -> None:
    sent = Recorder()
    code = {"ref": "refs/heads/main", "repository": _repo("svc"),
            "commits": [{"added": ["src/app.py"], "modified": ["docs/guide/README.md"], "removed": []}]}
    branch = {"ref": "refs/heads/feature", "repository": _repo("svc"), "commits": [{"modified": ["README.md"]}]}
    assert _deliver(db, sent, "push", code, "d-1").body["outcome"] == "ignored"
    assert _deliver(db, sent, "push", branch, "d-2").body["outcome"] == "ignored"
    assert sent.sent == []


@pytest.mark.parametrize(("event", "payload", "repositories", "checks"), [
    ("repository", {"action": "created", "repository": _repo("a")}, ("a",), ("*",)),
    ("repository", {"action": "privatized", "repository": _repo("a")}, ("a",),
     ("visibility-allowed", "secret-scanning-enabled")),
    ("branch_protection_rule", {"action": "deleted", "repository": _repo("a")}, ("a",), ("branch-protection",)),
    ("repository_ruleset", {"action": "edited", "repository": _repo("a")}, ("a",), ("branch-protection",)),
    ("repository_ruleset", {"action": "created", "organization": {"login": "acme"}}, ("*",), ("branch-protection",)),
    ("member", {"action": "added", "repository": _repo("a")}, ("a",), ("no-outside-admins",)),
    ("push", {"ref": "refs/heads/main", "repository": _repo("a"), "commits": [{"added": [".github/CODEOWNERS"]}]},
     ("a",), webhooks.FILE_CHECKS),
    ("installation_repositories", {"action": "added", "repositories_added": [{"name": "a"}, {"name": "b"}]},
     ("a", "b"), ("*",)),
    ("installation_repositories", {"action": "removed", "repositories_removed": [{"name": "a"}]}, (), ()),
    ("repository", {"action": "created", "repository": _repo("a", owner="someone-else")}, (), ()),
    ("issues", {"action": "opened", "repository": _repo("a")}, (), ()),
])
def test_events_route_to_the_repositories_and_checks_they_can_change(event: str, payload: dict[str, Any],
                                                                     repositories: tuple[str, ...],
                                                                     checks: tuple[str, ...]) -> None:
    route = webhooks.route_event(event, payload, "acme")
    assert route.repositories == repositories
    assert route.checks == checks
    assert route.repositories or route.reason


def test_a_deleted_repository_closes_its_issue_links(db: Database) -> None:
    db.execute("INSERT INTO policy_issue_links (repository, policy_id, issue_number, state, updated_at) "
               "VALUES ('gone', 'readme', 7, 'open', '2026-01-01T00:00:00+00:00')")
    answer = _deliver(db, Recorder(), "repository", {"action": "deleted", "repository": _repo("gone")}, "d-9")
    assert answer.status == 202 and answer.body["outcome"] == "deleted"
    assert db.query_one("SELECT state FROM policy_issue_links WHERE repository = 'gone'")["state"] == "closed"


def test_an_archived_repository_closes_its_issue_links_and_is_evaluated(db: Database) -> None:
    db.execute("INSERT INTO policy_issue_links (repository, policy_id, issue_number, state, updated_at) "
               "VALUES ('old', 'readme', 3, 'open', '2026-01-01T00:00:00+00:00')")
    sent = Recorder()
    answer = _deliver(db, sent, "repository", {"action": "archived", "repository": _repo("old")}, "d-a")
    assert answer.status == 202 and answer.body["repositories"] == ["old"]
    assert db.query_one("SELECT state FROM policy_issue_links WHERE repository = 'old'")["state"] == "closed"
    assert sent.sent == [("old", 3)]


def _full_repo(name: str, **extra: Any) -> dict[str, Any]:
    return {**_repo(name), "id": 1, "private": True, "visibility": "private", "archived": False, "fork": False,
            "description": "a service", "topics": ["svc"], "license": {"spdx_id": "MIT", "key": "mit"},
            "has_issues": True, "pushed_at": 1764928800, "custom_properties": {"team": "platform"}, **extra}


def test_evaluations_due_together_across_repositories_are_one_batch_per_set_of_checks(db: Database) -> None:
    sent = Recorder()
    for n in range(5):
        _deliver(db, sent, "repository", {"action": "created", "repository": _full_repo(f"r{n}")}, f"d-c{n}")
    push = {"ref": "refs/heads/main", "repository": _full_repo("p"), "commits": [{"modified": ["README.md"]}]}
    _deliver(db, sent, "push", push, "d-p")
    db.execute("UPDATE policy_webhook_pending SET due_at = '2000-01-01T00:00:00+00:00'")  # the debounce is over
    batches = webhooks.take_due(db, "r3")
    by_checks = {b.checks: b for b in batches}
    assert set(by_checks) == {(), tuple(sorted(webhooks.FILE_CHECKS))}
    assert sorted(by_checks[()].repositories) == ["r0", "r1", "r2", "r3", "r4"]
    assert by_checks[tuple(sorted(webhooks.FILE_CHECKS))].repositories == ("p",)
    assert sorted(s.name for s in by_checks[()].snapshots) == ["r0", "r1", "r2", "r3", "r4"]
    assert all(webhooks.take_due(db, f"r{n}") == [] for n in range(5))  # their own messages find nothing


def test_a_repository_inside_its_debounce_is_not_taken_with_a_due_batch(db: Database) -> None:
    sent = Recorder()
    _deliver(db, sent, "repository", {"action": "created", "repository": _repo("early")}, "d-1")
    db.execute("UPDATE policy_webhook_pending SET due_at = '2000-01-01T00:00:00+00:00'")
    _deliver(db, sent, "repository", {"action": "created", "repository": _repo("late")}, "d-2")
    [due] = webhooks.take_due(db, "early")
    assert due.repositories == ("early",)
    assert [r["repository"] for r in db.query("SELECT repository FROM policy_webhook_pending")] == ["late"]


def test_the_payload_repository_is_the_snapshot_unless_a_check_needs_a_field_payloads_leave_out(
        db: Database) -> None:
    from shared.policies.config import parse_config

    sent = Recorder()
    _deliver(db, sent, "repository", {"action": "created", "repository": _full_repo("svc")}, "d-s")
    [due] = webhooks.take_due(db, "svc")
    [snapshot] = due.snapshots
    assert (snapshot.full_name, snapshot.visibility, snapshot.license_spdx, snapshot.topics) == \
        ("acme/svc", "private", "MIT", ("svc",))
    assert snapshot.pushed_at == "2025-12-05T10:00:00Z" and snapshot.custom_properties == {"team": "platform"}
    readme = parse_config("policies:\n  - {id: readme, check: readme-present}\n")
    secrets = parse_config("policies:\n  - {id: ss, check: secret-scanning-enabled}\n")
    assert webhooks.usable_snapshots(due, readme) == [snapshot]
    assert webhooks.usable_snapshots(due, secrets) == []  # webhook payloads carry no security_and_analysis
    partial = webhooks.payload_repository("repository", {"repository": _repo("svc")}, "acme")
    assert partial is None  # a hand-made payload without the full object: GitHub is asked


def test_ping_answers_without_recording(db: Database) -> None:
    answer = _deliver(db, Recorder(), "ping", {"zen": "Design for failure.", "hook_id": 1}, "d-p")
    assert answer.status == 200 and answer.body["outcome"] == "pong"


class Starter:
    def __init__(self) -> None:
        self.started: list[tuple[str, str, Any]] = []

    async def start_new(self, orchestration_function_name: str, instance_id: str | None = None,
                        client_input: Any | None = None) -> str:
        self.started.append((orchestration_function_name, str(instance_id), client_input))
        return str(instance_id)


def test_an_organization_wide_evaluation_waits_while_a_scan_holds_the_lock_then_runs(db: Database,
                                                                                      tmp_path: Path) -> None:
    import asyncio

    from shared.policies import store
    from shared.policies.config import parse_config

    config = parse_config("policies:\n  - {id: bp, check: branch-protection}\n")
    store.create_scan(db, "scan-20260101000000-aaaaaa", "manual", False, {}, config, "acme")  # holds the lock
    sent, starter = Recorder(), Starter()
    answer = _deliver(db, sent, "repository_ruleset", {"action": "edited", "organization": {"login": "acme"}}, "d-o")
    assert answer.body["repositories"] == ["*"]
    [due] = webhooks.take_due(db, "*")
    assert due.org_wide and due.checks == ("branch-protection",)
    first = asyncio.run(webhooks.start_evaluation(db, starter, due, "acme", "scan-20260101000001-bbbbbb", config,
                                                  sent))
    assert first is None and starter.started == []  # put back, tried again a minute later
    assert sent.sent[-1] == ("*", webhooks.RETRY_WHEN_LOCKED_SECONDS)
    store.fail_scan(db, "scan-20260101000000-aaaaaa", "done")  # the lock is free
    [again] = webhooks.take_due(db, "*")
    started = asyncio.run(webhooks.start_evaluation(db, starter, again, "acme", "scan-20260101000002-cccccc",
                                                    config, sent))
    assert started == "scan-20260101000002-cccccc"
    name, _, payload = starter.started[0]
    assert name == "policy_scan_orchestrator"
    assert payload["trigger"] == "webhook" and payload["repositories"] == [] and payload["checks"] == [
        "branch-protection"]
    assert store.lock_holder(db) == "scan-20260101000002-cccccc"


def test_a_one_repository_evaluation_runs_beside_a_scan_without_the_lock(db: Database) -> None:
    import asyncio

    from shared.policies import store
    from shared.policies.config import parse_config

    config = parse_config("policies:\n  - {id: readme, check: readme-present}\n")
    store.create_scan(db, "scan-20260101000000-aaaaaa", "manual", False, {}, config, "acme")
    sent, starter = Recorder(), Starter()
    _deliver(db, sent, "repository", {"action": "created", "repository": _repo("svc")}, "d-r")
    [due] = webhooks.take_due(db, "svc")
    started = asyncio.run(webhooks.start_evaluation(db, starter, due, "acme", "scan-20260101000001-dddddd", config,
                                                    sent))
    assert started and starter.started[0][2]["repositories"] == ["svc"]
    assert store.lock_holder(db) == "scan-20260101000000-aaaaaa"
    request = json.loads(store.get_scan(db, started).request_json)
    assert request["deliveries"] == ["d-r"]


class LoopWatchedDatabase(Database):
    """The real SQLite database, noting each statement that runs on a thread with a running event loop."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.on_loop: list[str] = []

    def _execute(self, sql: str, params: Any = ()) -> Any:
        try:
            asyncio.get_running_loop()
            self.on_loop.append(sql.split()[0])
        except RuntimeError:  # a worker thread: fine
            pass
        return super()._execute(sql, params)


def test_starting_an_evaluation_writes_nothing_on_the_event_loop(tmp_path: Path) -> None:
    from shared.policies import store
    from shared.policies.config import parse_config

    db = LoopWatchedDatabase(f"sqlite:///{tmp_path / 'app.db'}")
    config = parse_config("policies:\n  - {id: readme, check: readme-present}\n")
    store.create_scan(db, "scan-20260101000000-aaaaaa", "manual", False, {}, config, "acme")  # holds the lock
    sent, starter = Recorder(), Starter()
    _deliver(db, sent, "repository", {"action": "created", "repository": _repo("svc")}, "d-1")
    _deliver(db, sent, "repository_ruleset", {"action": "edited", "organization": {"login": "acme"}}, "d-2")
    [one] = webhooks.take_due(db, "svc")
    [org_wide] = webhooks.take_due(db, "*")
    db.on_loop.clear()
    started = asyncio.run(webhooks.start_evaluation(db, starter, one, "acme", "scan-20260101000001-bbbbbb", config,
                                                    sent))
    put_back = asyncio.run(webhooks.start_evaluation(db, starter, org_wide, "acme", "scan-20260101000002-cccccc",
                                                     config, sent))
    assert started == "scan-20260101000001-bbbbbb" and put_back is None
    assert sent.sent[-1] == ("*", webhooks.RETRY_WHEN_LOCKED_SECONDS)  # the put-back's send, from the thread too
    assert db.on_loop == []


def test_every_check_an_event_names_is_in_the_catalog() -> None:
    from shared.policies.checks import REGISTRY

    named = {c for checks in webhooks.EVENT_CHECKS.values() for c in checks} | set(webhooks.FILE_CHECKS)
    assert named - {webhooks.ALL_CHECKS} <= set(REGISTRY), named - set(REGISTRY)


def test_without_a_configured_secret_every_delivery_is_401_and_says_why(db: Database) -> None:
    body = json.dumps({"action": "created", "repository": _repo("svc")}).encode()
    answer = webhooks.receive(db, secret="", org="acme", headers={
        "X-GitHub-Event": "repository", "X-GitHub-Delivery": "d-1", "X-Hub-Signature-256": webhooks.sign("", body)},
        body=body, enqueue=Recorder(), debounce_seconds=3)
    assert answer.status == 401 and "GITHUB_WEBHOOK_SECRET" in answer.body["detail"]
    assert webhook_store.list_deliveries(db) == []


def test_a_row_due_within_half_the_debounce_goes_with_the_batch_and_a_later_one_waits(db: Database) -> None:
    sent = Recorder()
    for name in ("first", "soon", "later"):
        _deliver(db, sent, "repository", {"action": "created", "repository": _repo(name)}, f"d-{name}")
    db.execute("UPDATE policy_webhook_pending SET due_at = '2000-01-01T00:00:00+00:00' WHERE repository = 'first'")
    [due] = webhooks.take_due(db, "first", debounce_seconds=8)  # rows due within 4 s go along (the others: 3 s)
    assert sorted(due.repositories) == ["first", "later", "soon"]
    for name in ("a", "b"):
        _deliver(db, sent, "repository", {"action": "created", "repository": _repo(name)}, f"d-{name}")
    db.execute("UPDATE policy_webhook_pending SET due_at = '2000-01-01T00:00:00+00:00' WHERE repository = 'a'")
    [only] = webhooks.take_due(db, "a", debounce_seconds=2)  # "b" is due in 3 s, beyond 1 s: it waits
    assert only.repositories == ("a",)


def _listed(db: Database, scan_id: str, names: list[str], repositories: list[str] | None = None) -> None:
    """A scan that listed the organization (or, with `repositories`, only those) and stored their snapshots."""
    from shared.policies import store
    from shared.policies.config import parse_config
    from shared.policies.repo import RepoSnapshot

    config = parse_config("policies:\n  - {id: bp, check: branch-protection}\n")
    store.create_scan(db, scan_id, "webhook" if repositories else "manual", False,
                      {"repositories": repositories or []}, config, "acme", take_lock=False)
    store.store_repositories(db, scan_id, 0, [RepoSnapshot(name=n, full_name=f"acme/{n}") for n in names])
    store.set_repositories_total(db, scan_id, len(names))


def _org_ruleset(action: str, include: list[str], changes: dict[str, Any] | None = None) -> dict[str, Any]:
    ruleset = {"id": 9, "name": "demo", "target": "branch", "source_type": "Organization", "source": "acme",
               "enforcement": "active", "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []},
                                                       "repository_name": {"include": include, "exclude": []}}}
    return {"action": action, "repository_ruleset": ruleset, "organization": {"login": "acme"},
            **({"changes": changes} if changes else {})}


def test_an_organization_ruleset_queues_only_the_known_repositories_it_targets(db: Database) -> None:
    _listed(db, "scan-20260101000000-aaaaaa", ["demo-a1", "demo-a2", "demo-b1", "steady"])
    _listed(db, "scan-20260101000001-bbbbbb", ["demo-a9"], repositories=["demo-a9"])  # created since, by webhook
    sent = Recorder()
    answer = _deliver(db, sent, "repository_ruleset", _org_ruleset("created", ["demo-a*"]), "d-r1")
    assert answer.status == 202 and answer.body["repositories"] == ["demo-a1", "demo-a2", "demo-a9"]
    assert answer.body["checks"] == ["branch-protection"]
    pending = sorted(r["repository"] for r in db.query("SELECT repository FROM policy_webhook_pending"))
    assert pending == ["demo-a1", "demo-a2", "demo-a9"]
    assert sent.sent == [("demo-a1", 3)]  # one message takes every row the delivery opened
    db.execute("UPDATE policy_webhook_pending SET due_at = '2000-01-01T00:00:00+00:00'")
    [due] = webhooks.take_due(db, "demo-a1")
    assert sorted(due.repositories) == ["demo-a1", "demo-a2", "demo-a9"] and not due.org_wide
    assert due.checks == ("branch-protection",) and due.deliveries == ("d-r1", "d-r1", "d-r1")


def test_an_edited_organization_ruleset_queues_its_old_and_new_targets(db: Database) -> None:
    _listed(db, "scan-20260101000000-aaaaaa", ["demo-a1", "demo-a2", "demo-b1", "steady"])
    changes = {"conditions": {"updated": [{"condition": {"repository_name": {"include": ["demo-b*"]}},
                                           "changes": {"include": {"from": ["demo-a*"]}}}]}}
    answer = _deliver(db, Recorder(), "repository_ruleset", _org_ruleset("edited", ["demo-b*"], changes), "d-e")
    assert answer.body["repositories"] == ["demo-a1", "demo-a2", "demo-b1"]


def test_a_deleted_repository_is_not_a_target_of_a_later_ruleset_event(db: Database) -> None:
    _listed(db, "scan-20260101000000-aaaaaa", ["demo-a1", "demo-a2"])
    _deliver(db, Recorder(), "repository", {"action": "deleted", "repository": _repo("demo-a2")}, "d-del")
    answer = _deliver(db, Recorder(), "repository_ruleset", _org_ruleset("deleted", ["demo-*"]), "d-r")
    assert answer.body["repositories"] == ["demo-a1"]


def test_an_organization_ruleset_is_org_wide_when_its_targets_cannot_be_resolved(db: Database) -> None:
    sent = Recorder()
    answer = _deliver(db, sent, "repository_ruleset", _org_ruleset("created", ["demo-a*"]), "d-1")
    assert answer.body["repositories"] == ["*"] and "not listed" in answer.body["reason"]  # no full listing yet
    _listed(db, "scan-20260101000000-aaaaaa", ["demo-a1"], repositories=["demo-a1"])  # a partial scan: not enough
    webhook_store.take_pending(db, "*")
    assert _deliver(db, sent, "repository_ruleset", _org_ruleset("created", ["demo-*"]), "d-2").body[
        "repositories"] == ["*"]
    literal = _deliver(db, sent, "repository_ruleset", _org_ruleset("created", ["demo-a1"]), "d-3")
    assert literal.body["repositories"] == ["demo-a1"]  # a literal name needs no listing


def test_a_tag_ruleset_or_one_targeting_nothing_evaluates_nothing(db: Database) -> None:
    _listed(db, "scan-20260101000000-aaaaaa", ["demo-a1"])
    tag = _org_ruleset("created", ["~ALL"])
    tag["repository_ruleset"]["target"] = "tag"
    assert _deliver(db, Recorder(), "repository_ruleset", tag, "d-t").body["outcome"] == "ignored"
    nothing = _deliver(db, Recorder(), "repository_ruleset", _org_ruleset("created", ["other-*"]), "d-n")
    assert nothing.body["outcome"] == "ignored" and "targets no repository" in nothing.body["reason"]
