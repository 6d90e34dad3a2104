"""Webhooks the simulator sends for its own changes, signed and delivered the way GitHub does it.

Configured with a URL and a secret (seed `webhook: {url, secret}` or `POST /_sim/state {"webhook": ...}`), each
change (a repository created through the admin API, its fields or protection edited, files pushed, archived via
REST) becomes one delivery: `X-GitHub-Event`, a fresh `X-GitHub-Delivery` GUID, `X-Hub-Signature-256` (HMAC-SHA256
of the body with the secret; `X-Hub-Signature` with SHA-1 too), `X-GitHub-Hook-ID`, `User-Agent: GitHub-Hookshot/…`.
A delivery that fails (no answer, or not 2xx) is redelivered with the same GUID after a pause, as GitHub's
automatic redelivery does, up to `max_attempts`. Payloads follow `@octokit/webhooks-schemas` (the simulator's tests
validate every one against it) and the shapes of `@octokit/webhooks-examples`: the repository and owner objects
are the REST ones without the REST-only keys.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import queue
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any

from githubsim.model import stable_id
from githubsim.render import org_ruleset_conditions

# Keys of the REST repository / organization / user objects that webhook payloads do not carry.
_REST_ONLY_REPO = {"network_count", "security_and_analysis", "subscribers_count", "temp_clone_token", "permissions",
                   "organization", "template_repository", "parent", "source", "code_of_conduct"}
_WEBHOOK_ORG_KEYS = ("login", "id", "node_id", "url", "repos_url", "events_url", "hooks_url", "issues_url",
                     "members_url", "public_members_url", "avatar_url", "description")
_REST_ONLY_USER = {"user_view_type", "name", "email"}
HOOK_ID = 424242


@dataclass
class Delivery:
    delivery_id: str
    event: str
    action: str | None
    body: bytes
    attempts: int = 0
    status: int | None = None  # last HTTP status (None: no answer)
    delivered: bool = False
    history: list[int | None] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"deliveryId": self.delivery_id, "event": self.event, "action": self.action,
                "attempts": self.attempts, "status": self.status, "delivered": self.delivered,
                "history": list(self.history), "payload": json.loads(self.body)}


class WebhookSender:
    """A background thread delivering events in order; `configure(None)` turns sending off."""

    def __init__(self, max_attempts: int = 4, retry_pause_seconds: float = 0.5) -> None:
        self.lock = threading.Lock()
        self.url: str | None = None
        self.secret = ""
        self.max_attempts = max_attempts
        self.retry_pause_seconds = retry_pause_seconds
        self.deliveries: list[Delivery] = []
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._threads: list[threading.Thread] = []

    def configure(self, config: dict[str, Any] | None) -> None:
        """`{url, secret, maxAttempts, concurrency}`; `concurrency` (default 1: in order) deliveries at a time, as
        GitHub's many senders do (GitHub does not promise order)."""
        with self.lock:
            self.url = (config or {}).get("url") or None
            self.secret = str((config or {}).get("secret") or "")
            if config and "maxAttempts" in config:
                self.max_attempts = int(config["maxAttempts"])
            wanted = max(1, int((config or {}).get("concurrency") or 1)) if self.url else 0
            while len(self._threads) < wanted:
                thread = threading.Thread(target=self._run, name=f"githubsim-webhooks-{len(self._threads)}",
                                          daemon=True)
                self._threads.append(thread)
                thread.start()

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    def emit(self, event: str, payload: dict[str, Any]) -> Delivery | None:
        if not self.enabled:
            return None
        delivery = Delivery(str(uuid.uuid4()), event, payload.get("action"), json.dumps(payload).encode())
        with self.lock:
            self.deliveries.append(delivery)
            del self.deliveries[:-1000]
        self._queue.put(delivery)
        return delivery

    def redeliver(self, delivery_id: str) -> bool:
        """Send a past delivery again with the same GUID (GitHub's "Redeliver" button)."""
        with self.lock:
            found = next((d for d in self.deliveries if d.delivery_id == delivery_id), None)
        if found is None:
            return False
        found.delivered = False
        self._queue.put(found)
        return True

    def snapshot(self) -> list[dict[str, Any]]:
        with self.lock:
            return [d.to_json() for d in self.deliveries]

    def clear(self) -> None:
        with self.lock:
            self.deliveries.clear()

    def stop(self) -> None:
        for _ in self._threads:
            self._queue.put(None)

    def _run(self) -> None:
        while True:
            delivery = self._queue.get()
            if delivery is None:
                return
            for attempt in range(self.max_attempts):
                if self._send(delivery):
                    break
                time.sleep(self.retry_pause_seconds * (attempt + 1))

    def _send(self, delivery: Delivery) -> bool:
        with self.lock:
            url, secret = self.url, self.secret
        if not url:
            return True
        headers = {"Content-Type": "application/json", "User-Agent": "GitHub-Hookshot/githubsim",
                   "X-GitHub-Event": delivery.event, "X-GitHub-Delivery": delivery.delivery_id,
                   "X-GitHub-Hook-ID": str(HOOK_ID), "X-GitHub-Hook-Installation-Target-Type": "organization",
                   "X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), delivery.body,
                                                                hashlib.sha256).hexdigest(),
                   "X-Hub-Signature": "sha1=" + hmac.new(secret.encode(), delivery.body, hashlib.sha1).hexdigest()}
        request = urllib.request.Request(url, data=delivery.body, headers=headers, method="POST")
        status: int | None
        try:
            with urllib.request.urlopen(request, timeout=10) as resp:
                status = resp.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (urllib.error.URLError, OSError):
            status = None
        delivery.attempts += 1
        delivery.status = status
        delivery.history.append(status)
        delivery.delivered = status is not None and 200 <= status < 300
        return delivery.delivered


# -- payloads ---------------------------------------------------------------------------------------------------
def webhook_repository(rest_repo: dict[str, Any]) -> dict[str, Any]:
    repo = {k: v for k, v in rest_repo.items() if k not in _REST_ONLY_REPO}
    repo["owner"] = webhook_user(rest_repo["owner"])
    repo.setdefault("custom_properties", {})
    return repo


def webhook_user(rest_user: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in rest_user.items() if k not in _REST_ONLY_USER}


def webhook_org(rest_org: dict[str, Any]) -> dict[str, Any]:
    return {k: rest_org.get(k) for k in _WEBHOOK_ORG_KEYS}


def envelope(action: str | None, rest_repo: dict[str, Any], rest_org: dict[str, Any], sender: dict[str, Any],
             **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {} if action is None else {"action": action}
    body.update(extra)
    body.update({"repository": webhook_repository(rest_repo), "organization": webhook_org(rest_org),
                 "sender": webhook_user(sender)})
    return body


def protection_rule(repo_id: int, name: str, protection: dict[str, Any], now: str) -> dict[str, Any]:
    """A `branch_protection_rule` object from the simulator's classic protection of one branch."""
    reviews = int(protection.get("required_approving_review_count") or 0)
    return {"id": abs(hash((repo_id, name))) % 10_000_000, "repository_id": repo_id, "name": name,
            "created_at": now, "updated_at": now,
            "pull_request_reviews_enforcement_level": "non_admins" if reviews else "off",
            "required_approving_review_count": reviews,
            "dismiss_stale_reviews_on_push": bool(protection.get("dismiss_stale_reviews")),
            "require_code_owner_review": bool(protection.get("require_code_owner_reviews")),
            "authorized_dismissal_actors_only": False, "ignore_approvals_from_contributors": False,
            "required_status_checks": list(protection.get("required_status_checks") or []),
            "required_status_checks_enforcement_level": "off", "strict_required_status_checks_policy": False,
            "signature_requirement_enforcement_level": "off", "linear_history_requirement_enforcement_level": "off",
            "admin_enforced": bool(protection.get("enforce_admins")),
            "allow_force_pushes_enforcement_level": "everyone" if protection.get("allow_force_pushes") else "off",
            "allow_deletions_enforcement_level": "off", "merge_queue_enforcement_level": "off",
            "required_deployments_enforcement_level": "off", "required_conversation_resolution_level": "off",
            "authorized_actors_only": False, "authorized_actor_names": []}


def ruleset(rs: dict[str, Any], source_type: str, source: str, api: str, html: str, now: str) -> dict[str, Any]:
    """A `repository_ruleset` object as GitHub's `repository_ruleset` event carries it (GitHub's webhook docs; the
    pinned `@octokit/webhooks-schemas` 7.6.1 predates the event, so it is shaped after the REST object)."""
    ident = int(rs.get("id") or stable_id("ruleset", source.split("/")[-1], rs.get("name")))
    where = f"orgs/{source}" if source_type == "Organization" else f"repos/{source}"
    if source_type == "Organization":
        conditions = org_ruleset_conditions(rs)
    else:
        conditions = {"ref_name": {"include": list(rs.get("branches", ["~DEFAULT_BRANCH"])), "exclude": []}}
    return {"id": ident, "name": rs.get("name"), "target": "branch", "source_type": source_type, "source": source,
            "enforcement": rs.get("enforcement", "active"), "node_id": f"RRS_{ident}", "bypass_actors": [],
            "current_user_can_bypass": "never", "conditions": conditions, "rules": [dict(r) for r in
                                                                                 rs.get("rules", [])],
            "_links": {"self": {"href": f"{api}/{where}/rulesets/{ident}"},
                       "html": {"href": f"{html}/{source}/rules/{ident}"}},
            "created_at": now, "updated_at": now}


def ruleset_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """`changes` of an organization `repository_ruleset.edited` event (`webhook-repository-ruleset-edited` in
    GitHub's OpenAPI description): `name` and `enforcement` with their `from` values, and `conditions` as `added`
    and `deleted` conditions plus `updated` ones (the condition now, and the `from` value of each changed key), so a
    receiver can tell which repositories the ruleset targeted before. Rules changes are left out (they do not change
    which repositories are targeted)."""
    changes: dict[str, Any] = {}
    for key in ("name", "enforcement"):
        if before.get(key, "active" if key == "enforcement" else None) != \
                after.get(key, "active" if key == "enforcement" else None):
            changes[key] = {"from": before.get(key, "active" if key == "enforcement" else None)}
    old, new = org_ruleset_conditions(before), org_ruleset_conditions(after)
    added = [{kind: new[kind]} for kind in new if kind not in old]
    deleted = [{kind: old[kind]} for kind in old if kind not in new]
    updated = []
    for kind in (k for k in new if k in old and new[k] != old[k]):
        updated.append({"condition": {kind: new[kind]},
                        "changes": {key: {"from": old[kind].get(key)} for key in sorted(set(old[kind]) | set(new[kind]))
                                    if old[kind].get(key) != new[kind].get(key)}})
    delta = {key: value for key, value in (("added", added), ("deleted", deleted), ("updated", updated)) if value}
    if delta:
        changes["conditions"] = delta
    return changes


def member(action: str, was: dict[str, Any] | None, now: dict[str, Any] | None, person: dict[str, Any],
           rest_repo: dict[str, Any], rest_org: dict[str, Any], sender: dict[str, Any]) -> dict[str, Any]:
    """A `member` event (a collaborator added to, removed from, or changed on a repository)."""
    extra: dict[str, Any] = {"member": webhook_user(person)}
    if action == "added" and now and now.get("permission") in ("write", "admin"):
        extra["changes"] = {"permission": {"to": now["permission"]}}
    if action == "edited":
        extra["changes"] = {"old_permission": {"from": str((was or {}).get("permission") or "read")}}
    return envelope(action, rest_repo, rest_org, sender, **extra)


def push(rest_repo: dict[str, Any], rest_org: dict[str, Any], sender: dict[str, Any], branch: str, before: str,
         after: str, added: list[str], modified: list[str], removed: list[str], now: str) -> dict[str, Any]:
    html = rest_repo["html_url"]
    pusher = {"name": sender["login"], "email": f"{sender['login']}@users.noreply.github.com"}
    commit = {"id": after, "tree_id": hashlib.sha1(f"tree:{after}".encode()).hexdigest(), "distinct": True,
              "message": "Update files", "timestamp": now, "url": f"{html}/commit/{after}",
              "author": {**pusher, "username": sender["login"]}, "committer": {**pusher, "username": sender["login"]},
              "added": added, "removed": removed, "modified": modified}
    body = {"ref": f"refs/heads/{branch}", "before": before, "after": after, "created": False, "deleted": False,
            "forced": False, "base_ref": None, "compare": f"{html}/compare/{before[:12]}...{after[:12]}",
            "commits": [commit], "head_commit": commit, "repository": webhook_repository(rest_repo),
            "pusher": pusher, "organization": webhook_org(rest_org), "sender": webhook_user(sender)}
    return body


def ping(rest_org: dict[str, Any], sender: dict[str, Any], url: str, now: str) -> dict[str, Any]:
    hook = {"type": "Organization", "id": HOOK_ID, "name": "web", "active": True, "events": ["*"],
            "config": {"content_type": "json", "insecure_ssl": "0", "url": url}, "updated_at": now,
            "created_at": now, "url": f"{rest_org['url']}/hooks/{HOOK_ID}",
            "ping_url": f"{rest_org['url']}/hooks/{HOOK_ID}/pings", "deliveries_url":
                f"{rest_org['url']}/hooks/{HOOK_ID}/deliveries"}
    return {"zen": "Keep it logically awesome.", "hook_id": HOOK_ID, "hook": hook,
            "organization": webhook_org(rest_org), "sender": webhook_user(sender)}


# -- which events a change makes ----------------------------------------------------------------------------------
_EDITED_FIELDS = {"description", "homepage", "topics", "default_branch", "has_issues", "has_wiki", "has_projects",
                  "has_discussions", "is_template", "delete_branch_on_merge", "allow_forking", "license",
                  "web_commit_signoff_required", "custom_properties", "name"}


def change_events(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[tuple[str, str | None, Any]]:
    """(event, action, detail) for a repository going from `before` to `after` (asdict of the model's Repo)."""
    if before is None and after is not None:
        return [("repository", "created", None)]
    if after is None:
        return [("repository", "deleted", None)] if before is not None else []
    assert before is not None
    events: list[tuple[str, str | None, Any]] = []
    if before["archived"] != after["archived"]:
        events.append(("repository", "archived" if after["archived"] else "unarchived", None))
    if before["visibility"] != after["visibility"]:
        events.append(("repository", "privatized" if after["visibility"] == "private" else "publicized", None))
    changed = {k for k in _EDITED_FIELDS if before.get(k) != after.get(k)}
    if changed:
        events.append(("repository", "edited", {k: {"from": before.get(k)} for k in sorted(changed)}))
    old_rules, new_rules = before["branch_protection"] or {}, after["branch_protection"] or {}
    for branch in sorted(set(old_rules) | set(new_rules)):
        if branch not in old_rules:
            events.append(("branch_protection_rule", "created", (branch, new_rules[branch])))
        elif branch not in new_rules:
            events.append(("branch_protection_rule", "deleted", (branch, old_rules[branch])))
        elif old_rules[branch] != new_rules[branch]:
            events.append(("branch_protection_rule", "edited", (branch, new_rules[branch])))
    old_sets = {str(rs.get("name")): rs for rs in before.get("rulesets") or []}
    new_sets = {str(rs.get("name")): rs for rs in after.get("rulesets") or []}
    for name in sorted(set(old_sets) | set(new_sets)):
        if name not in old_sets:
            events.append(("repository_ruleset", "created", new_sets[name]))
        elif name not in new_sets:
            events.append(("repository_ruleset", "deleted", old_sets[name]))
        elif old_sets[name] != new_sets[name]:
            events.append(("repository_ruleset", "edited", new_sets[name]))
    old_people = {str(c["login"]).lower(): c for c in before.get("collaborators") or []}
    new_people = {str(c["login"]).lower(): c for c in after.get("collaborators") or []}
    for login in sorted(set(old_people) | set(new_people)):
        was, now = old_people.get(login), new_people.get(login)
        if was is None:
            events.append(("member", "added", (None, now)))
        elif now is None:
            events.append(("member", "removed", (was, None)))
        elif was.get("permission") != now.get("permission"):
            events.append(("member", "edited", (was, now)))
    old_files, new_files = before["files"] or {}, after["files"] or {}
    if old_files != new_files:
        added = sorted(set(new_files) - set(old_files))
        removed = sorted(set(old_files) - set(new_files))
        modified = sorted(p for p in set(old_files) & set(new_files) if old_files[p] != new_files[p])
        events.append(("push", None, (added, modified, removed)))
    return events
