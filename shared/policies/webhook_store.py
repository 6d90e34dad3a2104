"""SQL of the webhook path (application database, portable `?` SQL): delivery records and the per-repository
debounce rows. Kept apart from `store.py` so the scan store stays about scans."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

from shared.policies.repo import RepoSnapshot
from shared.storage.db import Database, IntegrityError

MAX_DELIVERIES_PER_ROW = 100
ORG_WIDE = "*"  # the pending row of an organization-wide evaluation (`webhooks.ORG_WIDE`)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def record_delivery(db: Database, delivery_id: str, event: str, action: str | None, repository: str | None,
                    outcome: str) -> bool:
    """True the first time this `X-GitHub-Delivery` is seen; False for a redelivery (then nothing else happens)."""
    try:
        db.execute("INSERT INTO policy_webhook_deliveries (delivery_id, event_name, action_name, repository, outcome, "
                   "received_at) VALUES (?, ?, ?, ?, ?, ?)",
                   (delivery_id, event[:80], (action or "")[:80] or None, repository, outcome, _now().isoformat()))
        return True
    except IntegrityError:
        return False


def coalesce(db: Database, org: str, repository: str, checks: tuple[str, ...], delivery_id: str,
             debounce_seconds: int, repository_json: str | None = None) -> bool:
    """Add the event to the repository's pending evaluation; True when this event opened it (enqueue a message).

    `repository_json`: the delivery's `repository` object; the newest one received is kept, so the evaluation can
    use it as the snapshot instead of asking GitHub for the repository again."""
    now = _now()
    due = (now + timedelta(seconds=debounce_seconds)).isoformat()
    insert = ("INSERT INTO policy_webhook_pending (repository, org, policies_json, deliveries_json, first_seen_at, "
              "due_at, repository_json) VALUES (?, ?, ?, ?, ?, ?, ?)")
    values = (repository, org, json.dumps(sorted(set(checks))), json.dumps([delivery_id]), now.isoformat(), due,
              repository_json)
    try:
        db.execute(insert, values)
        return True
    except IntegrityError:
        pass
    with db.transaction():
        row = db.query_one("SELECT policies_json, deliveries_json, repository_json FROM policy_webhook_pending "
                           "WHERE repository = ?", (repository,))
        if row is None:  # taken meanwhile by its queue message: open a new one
            db.execute(insert, values)
            return True
        merged = sorted(set(json.loads(row["policies_json"])) | set(checks))
        deliveries = (json.loads(row["deliveries_json"]) + [delivery_id])[-MAX_DELIVERIES_PER_ROW:]
        db.execute("UPDATE policy_webhook_pending SET policies_json = ?, deliveries_json = ?, repository_json = ? "
                   "WHERE repository = ?", (json.dumps(merged), json.dumps(deliveries),
                                            repository_json or row["repository_json"], repository))
    return False


def take_pending(db: Database, repository: str) -> dict[str, Any] | None:
    """Remove and return the repository's pending row; None when another consumer took it."""
    with db.transaction():
        row = db.query_one("SELECT * FROM policy_webhook_pending WHERE repository = ?", (repository,))
        if row is None:
            return None
        taken = db.execute("DELETE FROM policy_webhook_pending WHERE repository = ? AND first_seen_at = ?",
                           (repository, row["first_seen_at"]))
    return row if taken == 1 else None


def take_due(db: Database, repository: str, limit: int, ahead_seconds: float = 0.0) -> list[dict[str, Any]]:
    """Take the repository's pending row and every other single-repository row already due, up to `limit` rows.

    Evaluations that come due together (a burst across many repositories) are taken by whichever queue message
    runs first and evaluated as one batch scan with one act run, instead of one orchestration per repository; the
    other messages then find their rows gone and do nothing. Rows due within `ahead_seconds` go along (their debounce
    is cut by at most that much); later ones stay. A row is only returned when this call deleted it, so two
    consumers never both take one.
    """
    now = (_now() + timedelta(seconds=ahead_seconds)).isoformat()
    rows = db.query("SELECT * FROM policy_webhook_pending WHERE repository = ? OR (due_at <= ? AND repository <> ?) "
                    "ORDER BY due_at, repository", (repository, now, ORG_WIDE))
    rows = sorted(rows, key=lambda r: r["repository"] != repository)[:max(1, limit)]
    taken = []
    with db.transaction():
        for row in rows:
            if db.execute("DELETE FROM policy_webhook_pending WHERE repository = ? AND first_seen_at = ?",
                          (row["repository"], row["first_seen_at"])) == 1:
                taken.append(row)
    return taken


def forget_repository(db: Database, repository: str) -> None:
    """A deleted repository: its issue links are closed (the issues went with it) and no claim stays held."""
    db.execute("UPDATE policy_issue_links SET state = 'closed', claimed_by = NULL, claimed_until = NULL, "
               "updated_at = ? WHERE repository = ? AND (state IS NULL OR state <> 'closed')",
               (_now().isoformat(), repository))


def list_deliveries(db: Database, repository: str | None = None) -> list[dict[str, Any]]:
    if repository is None:
        return db.query("SELECT * FROM policy_webhook_deliveries ORDER BY received_at, delivery_id")
    return db.query("SELECT * FROM policy_webhook_deliveries WHERE repository = ? ORDER BY received_at, delivery_id",
                    (repository,))


FULL_LISTING_LOOKBACK = 50  # newest scans looked at for the newest one that listed the whole organization


def known_repositories(db: Database, org: str) -> list[RepoSnapshot] | None:
    """The organization's repositories as the app last saw them, without asking GitHub (an organization ruleset's
    event resolves its targets from them in the request): the newest complete listing of the whole organization,
    plus every snapshot a scan stored since (webhook evaluations of created or renamed repositories), newest
    first per name, minus repositories whose deletion arrived after that snapshot. None when no scan has listed the
    whole organization yet (the caller then re-evaluates every repository)."""
    scans = db.query(db.limit("SELECT scan_id, created_at, request_json FROM policy_scans WHERE org = ? AND "
                              "repositories_total IS NOT NULL ORDER BY created_at DESC", FULL_LISTING_LOOKBACK),
                     (org,))
    full = next((s for s in scans if not (json.loads(s["request_json"] or "{}").get("repositories"))), None)
    if full is None:
        return None
    rows = db.query("SELECT s.created_at, r.repository, r.snapshot_json FROM policy_scan_repositories r "
                    "JOIN policy_scans s ON s.scan_id = r.scan_id WHERE s.org = ? AND s.created_at >= ? "
                    "ORDER BY s.created_at", (org, full["created_at"]))
    newest: dict[str, tuple[str, RepoSnapshot]] = {}
    for row in rows:  # oldest first, so a later snapshot of the same repository replaces an earlier one
        newest[str(row["repository"]).lower()] = (str(row["created_at"]),
                                                   RepoSnapshot.from_json(json.loads(row["snapshot_json"])))
    deletions = db.query("SELECT repository, MAX(received_at) AS at FROM policy_webhook_deliveries WHERE "
                         "event_name = 'repository' AND action_name = 'deleted' AND received_at >= ? "
                         "GROUP BY repository", (full["created_at"],))
    for row in deletions:
        seen = newest.get(str(row["repository"] or "").lower())
        if seen is not None and str(row["at"]) > seen[0]:
            del newest[str(row["repository"]).lower()]
    return [snapshot for _, snapshot in newest.values()]
