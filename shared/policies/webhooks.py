"""GitHub webhooks for the Policy Enforcer: enforce within seconds of a change instead of at the next daily scan.

The use cases behind `POST /api/github/webhook` and the `policy-webhook-events` queue, free of Azure imports:

1. `verify_signature`: `X-Hub-Signature-256` is HMAC-SHA256 of the raw body with the app's webhook secret; it is
   compared in constant time before anything is parsed, so an unsigned request costs nothing and records nothing.
2. `route_event`: which repositories and which checks an event can change (data: `EVENT_CHECKS`). A push that does
   not touch a checked file re-checks nothing; a deleted repository closes its issue links in the database; an
   organization ruleset re-evaluates the repositories it targets, before and after an edit
   (`shared.policies.ruleset_targets`, from the repositories the app knows), or every repository when those cannot
   be resolved.
3. `receive`: record the `X-GitHub-Delivery` id (a redelivery is a no-op), then coalesce per repository: the first
   event of a burst inserts a pending row and enqueues one message made visible after the debounce; later events
   of the burst only widen that row. GitHub calls never happen in the request (GitHub allows 10 s).
4. `take_due`: the queue message takes the pending row, and every other one already due (a burst across
   repositories becomes one batch); the caller starts a scan of just those repositories (trigger `webhook`, the
   snapshots taken from the payloads), which stores the same per-repository, per-policy results and chains to the
   same act step, so create-issue / close-when-fixed / log-only and the no-duplicate guarantees hold as for scans.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import posixpath
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from shared.policies import ruleset_targets, store, webhook_store
from shared.policies.config import PolicyConfig
from shared.policies.models import ScanRequest
from shared.policies.repo import RepoSnapshot
from shared.storage.db import Database

ALL_CHECKS = "*"
ORG_WIDE = "*"  # a pending row for "every repository" (an organization ruleset or membership change)
# An organization ruleset targeting more repositories than this is evaluated by one org-wide scan: one listing
# request per 100 repositories instead of one read each, and the request stays well inside GitHub's 10 s.
MAX_TARGETED_REPOSITORIES = 1000

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
    reason: str = ""  # why nothing, or every repository, is evaluated (said in the answer)


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


KnownRepositories = Callable[[], Sequence[RepoSnapshot] | None]


def _no_known_repositories() -> None:
    return None


def route_event(event: str, payload: Mapping[str, Any], org: str,
                known: KnownRepositories = _no_known_repositories) -> EventRoute:
    """Which repositories and checks this delivery can change; pure but for `known` (the organization's
    repositories as the app last saw them, read only for an organization ruleset whose targets need matching)."""
    action = str(payload.get("action") or "")
    name = _repo_name(payload, org)
    if event == "repository_ruleset" and not name:
        return _organization_ruleset_route(payload, known)
    if event == "repository" and action == "deleted":
        return EventRoute(deleted=(name,) if name else (), reason="repository deleted")
    if event == "repository" and action == "archived" and name:
        # Its issues are read-only now: the open violations are closed in the database (GitHub would refuse the
        # write), and the evaluation records it as skipped (archived) unless a policy includes archived ones.
        return EventRoute(repositories=(name,), checks=(ALL_CHECKS,), deleted=(name,))
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


def _organization_ruleset_route(payload: Mapping[str, Any], known: KnownRepositories) -> EventRoute:
    """An organization ruleset re-evaluates branch protection where it applies, before and after the change."""
    checks = _checks_for("repository_ruleset", str(payload.get("action") or ""))
    ruleset = payload.get("repository_ruleset")
    target = str(ruleset.get("target") or "branch") if isinstance(ruleset, Mapping) else "branch"
    if target != "branch":
        return EventRoute(reason=f"a {target} ruleset cannot change a verdict (branch protection reads branch rules)")
    targets = ruleset_targets.event_targets(payload, known)
    if targets.everything:
        return EventRoute(repositories=(ORG_WIDE,), checks=checks, reason=targets.why)
    if not targets.names:
        return EventRoute(reason="the ruleset targets no repository, before or after the change")
    if len(targets.names) > MAX_TARGETED_REPOSITORIES:
        return EventRoute(repositories=(ORG_WIDE,), checks=checks,
                          reason=f"the ruleset targets {len(targets.names)} repositories: one org-wide scan")
    return EventRoute(repositories=tuple(sorted(targets.names, key=str.lower)), checks=checks)


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
    route = route_event(event, payload, org, lambda: webhook_store.known_repositories(db, org))
    outcome = "queued" if route.repositories else ("deleted" if route.deleted else "ignored")
    first = webhook_store.record_delivery(db, delivery, event, str(payload.get("action") or "") or None,
                                          (route.repositories or route.deleted or (None,))[0], outcome)
    if not first:
        return WebhookAnswer(200, {"deliveryId": delivery, "event": event, "outcome": "duplicate"})
    for name in route.deleted:
        webhook_store.forget_repository(db, name)
    queued = []
    opened = 0
    carried = payload_repository(event, payload, org)
    for name in route.repositories:
        snapshot = carried if carried is not None and carried.name == name else None
        if webhook_store.coalesce(db, org, name, route.checks, delivery, debounce_seconds,
                                  json.dumps(snapshot.to_json()) if snapshot else None):
            # The rows one delivery opens come due together, and one message takes up to MAX_BATCH due rows: one
            # message per MAX_BATCH opened rows evaluates them all, and keeps a delivery naming hundreds of
            # repositories (an organization ruleset) inside GitHub's 10 s instead of one queue send each.
            if opened % MAX_BATCH == 0:
                enqueue(name, debounce_seconds)
            opened += 1
        queued.append(name)
    return WebhookAnswer(202, {"deliveryId": delivery, "event": event, "outcome": outcome, "repositories": queued,
                               "checks": list(route.checks), **({"reason": route.reason} if route.reason else {})})


# Webhook `repository` objects are the REST ones without the REST-only keys; `security_and_analysis` is one of
# them, so a check that reads it needs the repository from GitHub unless the payload happens to carry it.
_NEEDS_REST_REPOSITORY = frozenset({"secret-scanning-enabled"})
_FULL_REPOSITORY_KEYS = ("name", "full_name", "owner", "default_branch", "visibility", "archived", "fork")


def payload_repository(event: str, payload: Mapping[str, Any], org: str) -> RepoSnapshot | None:
    """The repository as the delivery describes it (GitHub sends the full object with every repository event), or
    None when the payload is not a full repository object of `org` (a hand-made or partial payload)."""
    raw = payload.get("repository")
    if not isinstance(raw, Mapping) or any(key not in raw for key in _FULL_REPOSITORY_KEYS):
        return None
    if _repo_name(payload, org) is None:
        return None
    data = dict(raw)
    if isinstance(data.get("pushed_at"), (int, float)):  # push payloads give Unix seconds
        data["pushed_at"] = datetime.fromtimestamp(data["pushed_at"], timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        return RepoSnapshot.from_github(data)
    except (KeyError, TypeError, ValueError):
        return None


@dataclass(frozen=True)
class DueEvaluation:
    repositories: tuple[str, ...]  # (ORG_WIDE,) for every repository
    checks: tuple[str, ...]  # empty: every check
    deliveries: tuple[str, ...]
    snapshots: tuple[RepoSnapshot, ...] = ()  # from the payloads, for repositories whose payload carried one

    @property
    def org_wide(self) -> bool:
        return self.repositories == (ORG_WIDE,)


MAX_BATCH = 5000  # repositories in one webhook evaluation (one scan, one act run)


def take_due(db: Database, repository: str, limit: int = MAX_BATCH, debounce_seconds: float = 0.0
             ) -> list[DueEvaluation]:
    """Take the repository's pending evaluation and every other one already due (or due within half the debounce),
    grouped into batches that ask for the same checks: a burst across repositories becomes a few scans and act
    runs, not one per repository. Empty when another message took them already."""
    rows = webhook_store.take_due(db, repository, 1 if repository == ORG_WIDE else limit, debounce_seconds / 2)
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        checks = tuple(sorted(json.loads(row["policies_json"])))
        key = () if ALL_CHECKS in checks else checks
        if row["repository"] == ORG_WIDE:
            key = (ORG_WIDE, *key)  # never batched with single repositories
        groups.setdefault(key, []).append(row)
    due = []
    for key, members in groups.items():
        checks = tuple(c for c in key if c != ORG_WIDE)
        snapshots = tuple(RepoSnapshot.from_json(json.loads(r["repository_json"])) for r in members
                          if r.get("repository_json"))
        due.append(DueEvaluation(tuple(r["repository"] for r in members), checks,
                                 tuple(d for r in members for d in json.loads(r["deliveries_json"])), snapshots))
    return due


class OrchestrationStarter(Protocol):
    async def start_new(self, orchestration_function_name: str, instance_id: str | None = None,
                        client_input: Any | None = None) -> str: ...


def usable_snapshots(due: DueEvaluation, config: PolicyConfig) -> list[RepoSnapshot]:
    """The payload snapshots the evaluation may use: all of them unless a check to run reads a field webhook
    payloads leave out (then GitHub is asked, as a scan would)."""
    wanted = {p.check for p in config.policies if p.enabled and (not due.checks or p.check in due.checks)}
    if wanted & _NEEDS_REST_REPOSITORY:
        return []
    return list(due.snapshots)


async def start_evaluation(db: Database, client: OrchestrationStarter, due: DueEvaluation, org: str, scan_id: str,
                           config: PolicyConfig, enqueue: Enqueue) -> str | None:
    """Start the scan a due webhook evaluation asks for; its id, or None when it had to be put back.

    Single repositories (one, or a batch that came due together): a scan of just them, beside any other scan (no
    lock), their snapshots taken from the payloads where possible. Every repository (an organization ruleset or
    membership change): a scan of the affected checks that takes the lock like any scan; while another scan holds
    it, the evaluation goes back to pending and is tried again a minute later. The rows (up to `MAX_BATCH`
    snapshots) and the put-back's queue send are written in a worker thread: the queue trigger shares its event loop.
    """
    request = await asyncio.to_thread(_record_evaluation, db, due, org, scan_id, config, enqueue)
    if request is None:
        return None
    try:
        await client.start_new("policy_scan_orchestrator", scan_id, request.to_json())
    except Exception:
        await asyncio.to_thread(store.fail_scan, db, scan_id, "the orchestration could not be started")
        raise
    return scan_id


def _record_evaluation(db: Database, due: DueEvaluation, org: str, scan_id: str, config: PolicyConfig,
                       enqueue: Enqueue) -> ScanRequest | None:
    """The evaluation's scan row and the payloads' snapshots (blocking); None when it was put back (the lock)."""
    org_wide = due.org_wide
    names = [] if org_wide else list(due.repositories)
    request = ScanRequest(scan_id, "webhook", False, names, [], list(due.checks))
    try:
        store.create_scan(db, scan_id, "webhook", False,
                          {"repositories": request.repositories, "policies": [], "checks": request.checks,
                           "deliveries": list(due.deliveries)[-MAX_DELIVERIES_RECORDED:]}, config, org,
                          take_lock=org_wide)
    except store.ScanAlreadyRunning:
        for delivery in due.deliveries[-1:]:
            if webhook_store.coalesce(db, org, ORG_WIDE, due.checks or (ALL_CHECKS,), delivery,
                                      RETRY_WHEN_LOCKED_SECONDS):
                enqueue(ORG_WIDE, RETRY_WHEN_LOCKED_SECONDS)
        return None
    snapshots = [] if org_wide else usable_snapshots(due, config)
    if snapshots:  # the listing step then asks GitHub only for the repositories without one
        store.store_repositories(db, scan_id, 0, snapshots)
    return request


RETRY_WHEN_LOCKED_SECONDS = 60
MAX_DELIVERIES_RECORDED = 1000  # on the scan's request; every one is in policy_webhook_deliveries
