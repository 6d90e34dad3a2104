"""GitHub webhooks for the Policy Enforcer: enforce within seconds of a change instead of at the next daily scan.

The use cases behind `POST /api/github/webhook` and the `policy-webhook-events` queue, free of Azure imports:

1. `verify_signature`: `X-Hub-Signature-256` is HMAC-SHA256 of the raw body with the app's webhook secret; it is
   compared in constant time before anything is parsed, so an unsigned request costs nothing and records nothing.
2. `route_event`: which repositories and which checks an event can change (data: `EVENT_CHECKS`). A push that does
   not touch a checked file re-checks nothing; a deleted repository closes its issue links in the database.
3. `receive`: record the `X-GitHub-Delivery` id (a redelivery is a no-op), then coalesce per repository: the first
   event of a burst inserts a pending row and enqueues one message made visible after the debounce; later events
   of the burst only widen that row. GitHub calls never happen in the request (GitHub allows 10 s).
4. `take_due`: the queue message takes the pending row; the caller starts a scan of just that repository (trigger
   `webhook`), which stores the same per-repository, per-policy results and chains to the same act step, so
   create-issue / close-when-fixed / log-only and the no-duplicate guarantees hold as for scans.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from shared.policies import store, webhook_store
from shared.policies.config import PolicyConfig
from shared.policies.models import ScanRequest
from shared.storage.db import Database

ALL_CHECKS = "*"
ORG_WIDE = "*"  # a pending row for "every repository" (an organization ruleset or membership change)

# Which checks an event can change. `ALL_CHECKS`: a new or changed repository is evaluated against everything.
FILE_CHECKS = ("readme-present", "security-policy-present", "codeowners-present", "contributing-present",
               "license-present")
METADATA_CHECKS = ("description-present", "topics-present", "default-branch-name", "visibility-allowed",
                   "issues-enabled", "delete-branch-on-merge", "repository-active", "license-present",
                   "branch-protection")
EVENT_CHECKS: dict[tuple[str, str], tuple[str, ...]] = {
    ("repository", "created"): (ALL_CHECKS,),
    ("repository", "edited"): METADATA_CHECKS,
    ("repository", "renamed"): (ALL_CHECKS,),
    ("repository", "transferred"): (ALL_CHECKS,),
    ("repository", "archived"): (ALL_CHECKS,),
    ("repository", "unarchived"): (ALL_CHECKS,),
    ("repository", "publicized"): ("visibility-allowed", "secret-scanning-enabled"),
    ("repository", "privatized"): ("visibility-allowed", "secret-scanning-enabled"),
    ("branch_protection_rule", "*"): ("branch-protection",),
    ("repository_ruleset", "*"): ("branch-protection",),
    ("member", "*"): ("no-outside-admins",),
    ("collaborator", "*"): ("no-outside-admins",),
    ("installation_repositories", "added"): (ALL_CHECKS,),
    ("security_and_analysis", "*"): ("secret-scanning-enabled", "vulnerability-alerts-enabled"),
    ("repository_vulnerability_alert", "*"): ("vulnerability-alerts-enabled",),
}
# Files whose change on the default branch can change a verdict: the community files, where GitHub reads them.
_CHECKED_DIRS = ("", ".github", "docs")
_CHECKED_STEMS = ("readme", "security", "codeowners", "contributing", "license", "licence", "copying")


class Enqueue(Protocol):
    def __call__(self, repository: str, delay_seconds: int) -> None: ...


@dataclass(frozen=True)
class EventRoute:
    """What one delivery asks for: evaluate `checks` of `repositories`, and/or forget `deleted` repositories."""

    repositories: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    reason: str = ""  # why nothing is evaluated (said in the answer and the delivery record)


@dataclass(frozen=True)
class WebhookAnswer:
    status: int
    body: dict[str, Any] = field(default_factory=dict)


def verify_signature(secret: str, body: bytes, header: str | None) -> bool:
    """`sha256=<hex>` over the raw body with the webhook secret, compared in constant time."""
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode("ascii"), header.strip().encode("ascii", errors="replace"))


def sign(secret: str, body: bytes) -> str:
    """The header GitHub sends (used by githubsim and the tests)."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _checks_for(event: str, action: str) -> tuple[str, ...]:
    return EVENT_CHECKS.get((event, action)) or EVENT_CHECKS.get((event, "*")) or ()


def touches_checked_file(paths: Iterable[str]) -> bool:
    for path in paths:
        folder, name = posixpath.split(path)
        if folder.lower() in _CHECKED_DIRS and name.lower().split(".", 1)[0] in _CHECKED_STEMS:
            return True
    return False


def _repo_name(payload: Mapping[str, Any], org: str) -> str | None:
    repo = payload.get("repository")
    if not isinstance(repo, Mapping) or not isinstance(repo.get("name"), str):
        return None
    owner = repo.get("owner") if isinstance(repo.get("owner"), Mapping) else {}
    login = str((owner or {}).get("login") or str(repo.get("full_name", "")).split("/", 1)[0])
    if org and login and login.lower() != org.lower():
        return None  # another organization's repository: not ours to judge
    return str(repo["name"])


def route_event(event: str, payload: Mapping[str, Any], org: str) -> EventRoute:
    """Pure: which repositories and checks this delivery can change."""
    action = str(payload.get("action") or "")
    name = _repo_name(payload, org)
    if event == "repository" and action == "deleted":
        return EventRoute(deleted=(name,) if name else (), reason="repository deleted")
    if event == "push":
        repo = payload.get("repository") if isinstance(payload.get("repository"), Mapping) else {}
        default = str((repo or {}).get("default_branch") or (repo or {}).get("master_branch") or "main")
        if payload.get("ref") != f"refs/heads/{default}":
            return EventRoute(reason="push to a branch other than the default branch")
        paths = [p for c in payload.get("commits") or [] if isinstance(c, Mapping)
                 for key in ("added", "removed", "modified") for p in c.get(key) or [] if isinstance(p, str)]
        if not name or not touches_checked_file(paths):
            return EventRoute(reason="the push touches no checked file")
        return EventRoute(repositories=(name,), checks=FILE_CHECKS)
    if event == "installation_repositories":
        if action != "added":
            return EventRoute(reason=f"installation_repositories {action}: nothing to evaluate")
        added = [str(r.get("name")) for r in payload.get("repositories_added") or [] if isinstance(r, Mapping)
                 and r.get("name")]
        return EventRoute(repositories=tuple(added), checks=(ALL_CHECKS,))
    checks = _checks_for(event, action)
    if not checks:
        return EventRoute(reason=f"{event}{'.' + action if action else ''} cannot change a verdict")
    if name:
        return EventRoute(repositories=(name,), checks=checks)
    if event in ("repository_ruleset", "member", "organization"):
        return EventRoute(repositories=(ORG_WIDE,), checks=checks)  # every repository the change can reach
    return EventRoute(reason="the event names no repository")


def receive(db: Database, *, secret: str, org: str, headers: Mapping[str, str], body: bytes, enqueue: Enqueue,
            debounce_seconds: int) -> WebhookAnswer:
    """Verify, deduplicate, route and coalesce one delivery; never calls GitHub."""
    lower = {k.lower(): v for k, v in headers.items()}
    if not secret:  # nothing can be verified, so nothing is authenticated (said plainly, for GitHub's delivery log)
        return WebhookAnswer(401, {"field": "X-Hub-Signature-256",
                                   "detail": "cannot be verified: GITHUB_WEBHOOK_SECRET is not set on the app"})
    if not verify_signature(secret, body, lower.get("x-hub-signature-256")):
        return WebhookAnswer(401, {"field": "X-Hub-Signature-256",
                                   "detail": "missing or invalid signature (HMAC-SHA256 of the body with the "
                                             "webhook secret)"})
    event = (lower.get("x-github-event") or "").strip()
    delivery = (lower.get("x-github-delivery") or "").strip()
    if not event:
        return WebhookAnswer(400, {"field": "X-GitHub-Event", "detail": "required"})
    if not delivery or len(delivery) > 80:
        return WebhookAnswer(400, {"field": "X-GitHub-Delivery", "detail": "required (at most 80 characters)"})
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return WebhookAnswer(400, {"field": "body", "detail": "malformed JSON"})
    if not isinstance(payload, dict):
        return WebhookAnswer(400, {"field": "body", "detail": "must be a JSON object"})
    if event == "ping":
        return WebhookAnswer(200, {"deliveryId": delivery, "event": "ping", "outcome": "pong"})
    route = route_event(event, payload, org)
    outcome = "queued" if route.repositories else ("deleted" if route.deleted else "ignored")
    first = webhook_store.record_delivery(db, delivery, event, str(payload.get("action") or "") or None,
                                          (route.repositories or route.deleted or (None,))[0], outcome)
    if not first:
        return WebhookAnswer(200, {"deliveryId": delivery, "event": event, "outcome": "duplicate"})
    for name in route.deleted:
        webhook_store.forget_repository(db, name)
    queued = []
    for name in route.repositories:
        if webhook_store.coalesce(db, org, name, route.checks, delivery, debounce_seconds):
            enqueue(name, debounce_seconds)
        queued.append(name)
    return WebhookAnswer(202, {"deliveryId": delivery, "event": event, "outcome": outcome, "repositories": queued,
                               "checks": list(route.checks), **({"reason": route.reason} if route.reason else {})})


@dataclass(frozen=True)
class DueEvaluation:
    repository: str  # ORG_WIDE for every repository
    checks: tuple[str, ...]  # empty or containing ALL_CHECKS: every check
    deliveries: tuple[str, ...]


def take_due(db: Database, repository: str) -> DueEvaluation | None:
    """Take the repository's pending evaluation (None when another message took it already)."""
    row = webhook_store.take_pending(db, repository)
    if row is None:
        return None
    checks = tuple(json.loads(row["policies_json"]))
    return DueEvaluation(repository, () if ALL_CHECKS in checks else checks,
                         tuple(json.loads(row["deliveries_json"])))


class OrchestrationStarter(Protocol):
    async def start_new(self, orchestration_function_name: str, instance_id: str | None = None,
                        client_input: Any | None = None) -> str: ...


async def start_evaluation(db: Database, client: OrchestrationStarter, due: DueEvaluation, org: str, scan_id: str,
                           config: PolicyConfig, enqueue: Enqueue) -> str | None:
    """Start the scan a due webhook evaluation asks for; its id, or None when it had to be put back.

    One repository: a scan of just it, beside any other scan (no lock). Every repository (an organization ruleset
    or membership change): a scan of the affected checks that takes the lock like any scan; while another scan
    holds it, the evaluation goes back to pending and is tried again a minute later.
    """
    org_wide = due.repository == ORG_WIDE
    request = ScanRequest(scan_id, "webhook", False, [] if org_wide else [due.repository], [], list(due.checks))
    try:
        store.create_scan(db, scan_id, "webhook", False,
                          {"repositories": request.repositories, "policies": [], "checks": request.checks,
                           "deliveries": list(due.deliveries)}, config, org, take_lock=org_wide)
    except store.ScanAlreadyRunning:
        for delivery in due.deliveries[-1:]:
            if webhook_store.coalesce(db, org, due.repository, due.checks or (ALL_CHECKS,), delivery,
                                      RETRY_WHEN_LOCKED_SECONDS):
                enqueue(due.repository, RETRY_WHEN_LOCKED_SECONDS)
        return None
    try:
        await client.start_new("policy_scan_orchestrator", scan_id, request.to_json())
    except Exception:
        store.fail_scan(db, scan_id, "the orchestration could not be started")
        raise
    return scan_id


RETRY_WHEN_LOCKED_SECONDS = 60
