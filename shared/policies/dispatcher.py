"""The one place that acts on violations: reads the policy's action and carries it out (never evaluates).

No duplicate issue, whatever happens: the repository × policy row is claimed before any GitHub write, the issue is
looked up by its stored number and then by its fingerprint among the label's issues (open and closed) before one is
created, and the number is stored right after creation. A run killed between creating and storing leaves an issue
whose fingerprint the next run finds. Every attempt, including dry runs and skips, is one action-log row.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from shared.policies import issues, store
from shared.policies.config import Policy, PolicyConfig
from shared.policies.errors import AuthFailed, IssuesDisabled, RateLimited
from shared.policies.failures import redacted_reason
from shared.policies.models import ArchiveCandidate
from shared.policies.store import WorkItem
from shared.policies.tracker import Issue, IssueTracker, WriteError
from shared.storage.db import Database

log = logging.getLogger(__name__)


@dataclass
class ActContext:
    db: Database
    scan_id: str
    act_id: str
    attempt: int
    org: str
    config: PolicyConfig
    tracker: IssueTracker
    global_dry_run: bool
    issues_created: int = 0  # this run, against settings.max_issues_per_run
    archive_candidates: list[ArchiveCandidate] = field(default_factory=list)
    labelled: set[str] = field(default_factory=set)

    def full_name(self, repo: str) -> str:
        return repo if "/" in repo else f"{self.org}/{repo}"

    def dry_run(self, policy: Policy) -> bool:
        return self.global_dry_run or policy.dry_run is True

    def log(self, item: WorkItem, action: str, outcome: str, message: str, status: int | None = None,
            issue: Issue | None = None) -> None:
        store.log_action(self.db, self.scan_id, self.act_id, item.repository, item.policy_id, action, outcome,
                         self.attempt, message, status, issue.number if issue else None, issue.url if issue else None)


def dispatch(item: WorkItem, ctx: ActContext) -> None:
    """Carry out one work item; rate limits and bad credentials propagate (the orchestrator waits or fails)."""
    policy = ctx.config.policy(item.policy_id)
    if policy is None:
        ctx.log(item, item.action, "skipped", "The policy is no longer in the configuration of this scan.")
        return
    if item.kind == "resolved":
        _close_resolved(item, policy, ctx)
    elif policy.action == "log-only":
        ctx.log(item, "log-only", "logged", item.message)
    elif policy.action == "archive-repo" and not ctx.config.settings.archive_enabled:
        ctx.log(item, "archive-repo", "skipped",
                "Archiving is disabled (settings.archive.enabled is false); nothing was sent.")
    else:
        _ensure_issue(item, policy, ctx, archive=policy.action == "archive-repo")


def _archive_after(ctx: ActContext) -> str:
    grace = ctx.config.settings.archive_grace_seconds
    return (datetime.now(timezone.utc) + timedelta(seconds=grace)).strftime("%Y-%m-%d %H:%M UTC")


def _ensure_issue(item: WorkItem, policy: Policy, ctx: ActContext, archive: bool) -> None:
    action = policy.action
    repo = ctx.full_name(item.repository)
    link = store.get_link(ctx.db, item.repository, item.policy_id)
    if ctx.dry_run(policy):
        known = link and link.get("issue_number")
        what = f"update issue #{link['issue_number']}" if link and known else "create an issue"
        ctx.log(item, action, "dry-run", f"Dry run: would {what}" + (" and archive after the grace period"
                                                                       if archive else "") + "; nothing was sent.")
        return
    if not store.claim_link(ctx.db, item.repository, item.policy_id, ctx.act_id):
        ctx.log(item, action, "skipped", "Another act run is handling this repository and policy right now.")
        return
    try:
        issue = _find_issue(repo, item, link, ctx)
        label = ctx.config.settings.issue_label
        body = issues.body(repo, policy, item.message, item.details, item.details_hash,
                           ctx.config.settings.exemption_contact, _archive_after(ctx) if archive else None)
        if issue is None:
            if ctx.issues_created >= ctx.config.settings.max_issues_per_run:
                ctx.log(item, action, "skipped", "The per-run cap on new issues is reached; carried to the next run.")
                return
            if repo not in ctx.labelled:
                ctx.tracker.ensure_label(repo, label)
                ctx.labelled.add(repo)
            issue = ctx.tracker.create_issue(repo, issues.title(policy, archive), body, [label])
            ctx.issues_created += 1
            store.save_link(ctx.db, item.repository, item.policy_id, issue.number, issue.url, "open",
                            item.details_hash)
            ctx.log(item, action, "created", f"Created issue #{issue.number}.", 201, issue)
        elif issue.state != "open":
            issue = ctx.tracker.update_issue(repo, issue.number, state="open", body=body)
            ctx.tracker.add_comment(repo, issue.number, issues.reopened_comment(item.message))
            store.save_link(ctx.db, item.repository, item.policy_id, issue.number, issue.url, "open",
                            item.details_hash)
            ctx.log(item, action, "reopened", f"Reopened issue #{issue.number}.", 200, issue)
        elif issues.details_hash_in(issue.body) != item.details_hash:
            issue = ctx.tracker.update_issue(repo, issue.number, body=body)
            ctx.tracker.add_comment(repo, issue.number, issues.changed_comment(item.message, item.details))
            store.save_link(ctx.db, item.repository, item.policy_id, issue.number, issue.url, "open",
                            item.details_hash)
            ctx.log(item, action, "updated", f"Issue #{issue.number} updated: the violation changed.", 200, issue)
        else:
            store.save_link(ctx.db, item.repository, item.policy_id, issue.number, issue.url, "open",
                            item.details_hash)
            ctx.log(item, action, "skipped", f"Issue #{issue.number} is open and up to date.", None, issue)
        if archive:
            ctx.archive_candidates.append(ArchiveCandidate(item.repository, item.policy_id))
    except IssuesDisabled:
        ctx.log(item, action, "skipped", "Issues are disabled on this repository (410); nothing was sent.", 410)
    except (RateLimited, AuthFailed):
        raise
    except WriteError as exc:
        ctx.log(item, action, "failed", redacted_reason(exc), exc.status)
    except Exception as exc:  # noqa: BLE001 - one item's failure must not stop the run; logged and retried later
        log.warning("act on %s/%s failed: %s", item.repository, item.policy_id, type(exc).__name__)
        ctx.log(item, action, "failed", f"{type(exc).__name__}: {redacted_reason(exc)}")
    finally:
        store.release_link(ctx.db, item.repository, item.policy_id, ctx.act_id)


def _find_issue(repo: str, item: WorkItem, link: dict | None, ctx: ActContext) -> Issue | None:
    """The stored issue if it still exists, else the fingerprinted one among the label's issues (open first)."""
    if link and link.get("issue_number"):
        issue = ctx.tracker.get_issue(repo, int(link["issue_number"]))
        if issue is not None and issues.has_fingerprint(issue.body, repo, item.policy_id):
            return issue
    candidates = [i for i in ctx.tracker.find_issues(repo, ctx.config.settings.issue_label)
                  if issues.has_fingerprint(i.body, repo, item.policy_id)]
    candidates.sort(key=lambda i: (i.state != "open", i.number))
    return candidates[0] if candidates else None


def _close_resolved(item: WorkItem, policy: Policy, ctx: ActContext) -> None:
    action = policy.action
    link = store.get_link(ctx.db, item.repository, item.policy_id)
    if not link or not link.get("issue_number") or link.get("state") != "open":
        return
    repo = ctx.full_name(item.repository)
    if ctx.dry_run(policy):
        ctx.log(item, action, "dry-run", f"Dry run: would close issue #{link['issue_number']}; nothing was sent.")
        return
    if not store.claim_link(ctx.db, item.repository, item.policy_id, ctx.act_id):
        ctx.log(item, action, "skipped", "Another act run is handling this repository and policy right now.")
        return
    try:
        number = int(link["issue_number"])
        issue = ctx.tracker.get_issue(repo, number)
        if issue is not None and issue.state == "open":
            ctx.tracker.add_comment(repo, number, issues.resolved_comment(item.details.get("outcome", "pass"),
                                                                          item.message))
            issue = ctx.tracker.update_issue(repo, number, state="closed")
        store.save_link(ctx.db, item.repository, item.policy_id, number, link.get("issue_url"), "closed", None)
        ctx.log(item, action, "closed", f"Closed issue #{number}: the repository complies again.", 200, issue)
    except IssuesDisabled:
        ctx.log(item, action, "skipped", "Issues are disabled on this repository (410); nothing was sent.", 410)
    except (RateLimited, AuthFailed):
        raise
    except Exception as exc:  # noqa: BLE001
        ctx.log(item, action, "failed", f"{type(exc).__name__}: {redacted_reason(exc)}",
                getattr(exc, "status", None))
    finally:
        store.release_link(ctx.db, item.repository, item.policy_id, ctx.act_id)
