"""githubsim sends webhooks for its own changes, as GitHub does: signed (`X-Hub-Signature-256`), one GUID per
delivery, redelivered with the same GUID after a failure, and every payload valid against
`@octokit/webhooks-schemas` (npm, pinned in package.json)."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from jsonschema import Draft7Validator
from referencing import Registry, Resource

from tests.e2e.policy_support import PROTECTION, TOKEN, repo, seed
from tests.githubsim.github_openapi import assert_webhook_shape
from tests.support.githubsim import start_githubsim
from tests.support.waiting import wait_for

SCHEMA = Path(__file__).resolve().parents[2] / "node_modules" / "@octokit" / "webhooks-schemas" / "schema.json"
SECRET = "sim-webhook-secret"


class Receiver:
    """A webhook endpoint that records every request and can fail chosen deliveries once."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.fail_once: set[str] = set()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver.lock:
                    receiver.received.append({"headers": headers, "body": body})
                    event = headers.get("x-github-event", "")
                    fail = event in receiver.fail_once
                    receiver.fail_once.discard(event)
                self.send_response(500 if fail else 202)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/github/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, count: int, timeout: float = 20) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} deliveries, got {len(self.received)}")


@pytest.fixture
def receiver() -> Any:
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture
def sim(receiver: Receiver) -> Any:
    server = start_githubsim({**seed([repo("alpha")]), "webhook": {"url": receiver.url, "secret": SECRET}})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    if not SCHEMA.exists():
        pytest.fail("node_modules/@octokit/webhooks-schemas is missing: run `npm install` (make start/test do)")
    return json.loads(SCHEMA.read_text())


def validate(schema: dict[str, Any], event: str, payload: dict[str, Any]) -> None:
    definition = f"{event}${payload['action']}" if "action" in payload else f"{event}$event"
    registry = Registry().with_resource("urn:octokit-webhooks", Resource.from_contents(schema))
    validator = Draft7Validator({"$ref": f"urn:octokit-webhooks#/definitions/{definition}"}, registry=registry)
    errors = sorted(validator.iter_errors(payload), key=lambda e: list(e.absolute_path))
    assert not errors, f"{definition}: " + "; ".join(f"{list(e.absolute_path)}: {e.message[:200]}"
                                                      for e in errors[:5])


def test_every_change_becomes_a_signed_delivery_whose_payload_matches_the_octokit_schema(
        sim: Any, receiver: Receiver, schema: dict[str, Any]) -> None:
    sim.put_repo("fresh", repo("fresh", branch_protection={}))  # repository.created
    sim.update({"repos": {"fresh": {"description": "now described"}}})  # repository.edited
    sim.update({"repos": {"fresh": {"branch_protection": PROTECTION}}})  # branch_protection_rule.created
    sim.update({"repos": {"fresh": {"files": {**repo("x")["files"], "LICENSE": "MIT"}}}})  # push
    sim.update({"repos": {"fresh": {"visibility": "public"}}})  # repository.publicized
    patched = requests.patch(f"{sim.base_url}/repos/acme/fresh", json={"archived": True}, timeout=10,
                             headers={"Authorization": f"token {TOKEN}"})  # REST write: repository.archived
    assert patched.status_code == 200
    requests.delete(f"{sim.base_url}/_sim/repos/fresh", timeout=10)  # repository.deleted
    requests.post(f"{sim.base_url}/_sim/webhooks/ping", timeout=10)
    got = receiver.wait(8)
    events = [(r["headers"]["x-github-event"], json.loads(r["body"]).get("action")) for r in got]
    assert events == [("repository", "created"), ("repository", "edited"), ("branch_protection_rule", "created"),
                      ("push", None), ("repository", "publicized"), ("repository", "archived"),
                      ("repository", "deleted"), ("ping", None)]
    for r in got:
        headers, body = r["headers"], r["body"]
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["x-hub-signature-256"], expected)
        assert headers["user-agent"].startswith("GitHub-Hookshot/")
        assert headers["x-github-hook-id"]
        validate(schema, headers["x-github-event"], json.loads(body))
    assert len({r["headers"]["x-github-delivery"] for r in got}) == len(got)
    push = json.loads(got[3]["body"])
    assert push["ref"] == "refs/heads/main" and push["commits"][0]["added"] == ["LICENSE"]


def test_a_failed_delivery_is_redelivered_with_the_same_guid(sim: Any, receiver: Receiver) -> None:
    receiver.fail_once.add("repository")
    sim.update({"repos": {"alpha": {"description": "changed"}}})
    got = receiver.wait(2)
    assert [r["headers"]["x-github-delivery"] for r in got[:2]] == [got[0]["headers"]["x-github-delivery"]] * 2

    def delivered() -> list[dict[str, Any]] | None:
        """The sim records the receiver's answer after the receiver has the request: wait until it has."""
        listed = requests.get(f"{sim.base_url}/_sim/webhooks/deliveries", timeout=10).json()["deliveries"]
        return listed if listed and len(listed[0]["history"]) == 2 else None

    deliveries = wait_for(delivered, "the sim to record the redelivery's answer")
    assert deliveries[0]["history"] == [500, 202] and deliveries[0]["delivered"] is True
    again = requests.post(f"{sim.base_url}/_sim/webhooks/deliveries/{deliveries[0]['deliveryId']}/redeliver",
                          timeout=10)
    assert again.status_code == 202
    assert receiver.wait(3)[2]["headers"]["x-github-delivery"] == deliveries[0]["deliveryId"]


def test_without_a_webhook_url_nothing_is_sent(receiver: Receiver) -> None:
    quiet = start_githubsim(seed([repo("alpha")]))
    try:
        quiet.update({"repos": {"alpha": {"description": "changed"}}})
        time.sleep(0.5)
        assert receiver.received == []
    finally:
        quiet.stop()


def test_collaborator_changes_send_member_events_whose_payloads_match_the_octokit_schema(
        sim: Any, receiver: Receiver, schema: dict[str, Any]) -> None:
    admin = {"login": "contractor", "permission": "admin", "outside": True}
    sim.update({"repos": {"alpha": {"collaborators": [admin]}}})  # member.added
    sim.update({"repos": {"alpha": {"collaborators": [{**admin, "permission": "write"}]}}})  # member.edited
    sim.update({"repos": {"alpha": {"collaborators": []}}})  # member.removed
    got = receiver.wait(3)
    payloads = [json.loads(r["body"]) for r in got]
    assert [(r["headers"]["x-github-event"], p["action"]) for r, p in zip(got, payloads, strict=True)] == [
        ("member", "added"), ("member", "edited"), ("member", "removed")]
    for payload in payloads:
        validate(schema, "member", payload)
        assert payload["member"]["login"] == "contractor" and payload["repository"]["name"] == "alpha"
    assert payloads[0]["changes"] == {"permission": {"to": "admin"}}
    assert payloads[1]["changes"] == {"old_permission": {"from": "admin"}}


def test_ruleset_changes_send_repository_ruleset_events_for_the_repository_and_the_organization(
        sim: Any, receiver: Receiver) -> None:
    # @octokit/webhooks-schemas 7.6.1 (pinned) has no `repository_ruleset` definition: the organization's payloads
    # are validated against GitHub's OpenAPI description (@octokit/openapi `x-webhooks`), which has it.
    review = {"required_approving_review_count": 1, "dismiss_stale_reviews_on_push": False,
              "require_code_owner_review": False, "require_last_push_approval": False,
              "required_review_thread_resolution": False}  # every parameter GitHub's schema requires
    rule = {"name": "protect-main", "enforcement": "active", "branches": ["~DEFAULT_BRANCH"],
            "rules": [{"type": "pull_request", "parameters": review}, {"type": "non_fast_forward"}]}
    sim.update({"repos": {"alpha": {"rulesets": [rule]}}})
    sim.update({"orgRulesets": [{**rule, "name": "baseline", "repository_name": {"include": ["alpha"]}}]})
    sim.update({"orgRulesets": [{**rule, "name": "baseline", "enforcement": "evaluate",
                                 "repository_name": {"include": ["al*"], "exclude": ["alpha-old"]}}]})
    sim.update({"orgRulesets": [{**rule, "name": "baseline", "enforcement": "evaluate",
                                 "repository_property": {"include": [{"name": "team", "property_values": ["a"]}]}}]})
    sim.update({"orgRulesets": []})
    got = receiver.wait(5)
    payloads = [json.loads(r["body"]) for r in got]
    assert [(r["headers"]["x-github-event"], p["action"]) for r, p in zip(got, payloads, strict=True)] == [
        ("repository_ruleset", "created"), ("repository_ruleset", "created"), ("repository_ruleset", "edited"),
        ("repository_ruleset", "edited"), ("repository_ruleset", "deleted")]
    repo_level, org_level, renamed, switched, deleted = payloads
    assert repo_level["repository"]["name"] == "alpha"
    assert repo_level["repository_ruleset"]["source_type"] == "Repository"
    assert repo_level["repository_ruleset"]["source"] == "acme/alpha"
    assert "repository" not in org_level and org_level["organization"]["login"] == "acme"
    assert org_level["repository_ruleset"]["source_type"] == "Organization"
    assert org_level["repository_ruleset"]["conditions"]["repository_name"]["include"] == ["alpha"]
    assert deleted["repository_ruleset"]["id"] == org_level["repository_ruleset"]["id"]
    # An edit says what the conditions were, so a receiver can re-evaluate what the ruleset targeted before.
    assert renamed["changes"] == {"enforcement": {"from": "active"}, "conditions": {"updated": [{
        "condition": {"repository_name": {"include": ["al*"], "exclude": ["alpha-old"], "protected": False}},
        "changes": {"include": {"from": ["alpha"]}, "exclude": {"from": []}}}]}}
    assert switched["changes"]["conditions"] == {
        "added": [{"repository_property": {"include": [{"name": "team", "property_values": ["a"],
                                                        "source": "custom"}], "exclude": []}}],
        "deleted": [{"repository_name": {"include": ["al*"], "exclude": ["alpha-old"], "protected": False}}]}
    assert switched["repository_ruleset"]["conditions"]["repository_property"]["include"][0]["name"] == "team"
    for payload in payloads:
        assert set(payload["repository_ruleset"]) >= {"id", "name", "target", "source_type", "source",
                                                      "enforcement", "conditions", "rules"}
    for payload in payloads[1:]:
        assert_webhook_shape("repository_ruleset", payload["action"], payload)


def test_deliveries_can_go_out_concurrently_each_once(receiver: Receiver) -> None:
    sim = start_githubsim({**seed([repo("alpha")]),
                           "webhook": {"url": receiver.url, "secret": SECRET, "concurrency": 4}})
    try:
        for n in range(12):
            sim.put_repo(f"many-{n}", repo(f"many-{n}"))
        got = receiver.wait(12)
        names = sorted(json.loads(r["body"])["repository"]["name"] for r in got)
        assert names == sorted(f"many-{n}" for n in range(12))  # every change once; order is not promised
        assert len({r["headers"]["x-github-delivery"] for r in got}) == 12
    finally:
        sim.stop()
