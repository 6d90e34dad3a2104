"""SQL of the webhook path (application database, portable `?` SQL): delivery records and the per-repository
debounce rows. Kept apart from `store.py` so the scan store stays about scans."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

from shared.storage.db import Database, IntegrityError

MAX_DELIVERIES_PER_ROW = 100


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
             debounce_seconds: int) -> bool:
    """Add the event to the repository's pending evaluation; True when this event opened it (enqueue a message)."""
    now = _now()
    due = (now + timedelta(seconds=debounce_seconds)).isoformat()
    try:
        db.execute("INSERT INTO policy_webhook_pending (repository, org, policies_json, deliveries_json, "
                   "first_seen_at, due_at) VALUES (?, ?, ?, ?, ?, ?)",
                   (repository, org, json.dumps(sorted(set(checks))), json.dumps([delivery_id]), now.isoformat(), due))
        return True
    except IntegrityError:
        pass
    with db.transaction():
        row = db.query_one("SELECT policies_json, deliveries_json FROM policy_webhook_pending WHERE repository = ?",
                           (repository,))
        if row is None:  # taken meanwhile by its queue message: open a new one
            db.execute("INSERT INTO policy_webhook_pending (repository, org, policies_json, deliveries_json, "
                       "first_seen_at, due_at) VALUES (?, ?, ?, ?, ?, ?)",
                       (repository, org, json.dumps(sorted(set(checks))), json.dumps([delivery_id]),
                        now.isoformat(), due))
            return True
        merged = sorted(set(json.loads(row["policies_json"])) | set(checks))
        deliveries = (json.loads(row["deliveries_json"]) + [delivery_id])[-MAX_DELIVERIES_PER_ROW:]
        db.execute("UPDATE policy_webhook_pending SET policies_json = ?, deliveries_json = ? WHERE repository = ?",
                   (json.dumps(merged), json.dumps(deliveries), repository))
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
