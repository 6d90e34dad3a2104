"""The repositories an organization ruleset's event is resolved against (`webhook_store.known_repositories`), on
SQLite and PostgreSQL: the newest full listing plus what later scans stored, minus repositories deleted since."""
from __future__ import annotations

import time

from shared.policies import store, webhook_store
from shared.policies.config import parse_config
from shared.policies.repo import RepoSnapshot
from shared.storage.db import Database

CONFIG = parse_config("policies:\n  - {id: bp, check: branch-protection}\n")


def _scan(db: Database, scan_id: str, names: list[str], partial: bool = False, org: str = "acme",
          complete: bool = True) -> None:
    store.create_scan(db, scan_id, "webhook" if partial else "manual", False,
                      {"repositories": names if partial else []}, CONFIG, org, take_lock=False)
    store.store_repositories(db, scan_id, 0, [RepoSnapshot(name=n, full_name=f"{org}/{n}", repository_id=i + 1)
                                              for i, n in enumerate(names)])
    if complete:
        store.set_repositories_total(db, scan_id, len(names))
    time.sleep(0.002)  # created_at orders the scans


def test_known_repositories_are_the_newest_full_listing_plus_later_snapshots(app_db: Database) -> None:
    assert webhook_store.known_repositories(app_db, "acme") is None  # nothing listed yet
    _scan(app_db, "scan-20260101000000-aaaaaa", ["only-partial"], partial=True)
    assert webhook_store.known_repositories(app_db, "acme") is None  # a partial scan is not a listing
    _scan(app_db, "scan-20260101000001-bbbbbb", ["old-a", "old-b"])
    _scan(app_db, "scan-20260101000002-cccccc", ["svc-a", "svc-b"])
    _scan(app_db, "scan-20260101000003-dddddd", ["other-org"], org="elsewhere")
    _scan(app_db, "scan-20260101000004-eeeeee", ["svc-c"], partial=True)
    # A listing still under way is not the anchor, but what it stored so far was seen on GitHub: known too.
    _scan(app_db, "scan-20260101000005-ffffff", ["listing-in-progress"], complete=False)
    webhook_store.record_delivery(app_db, "d-del", "repository", "deleted", "svc-b", "deleted")
    known = webhook_store.known_repositories(app_db, "acme")
    assert known is not None
    assert sorted(r.name for r in known) == ["listing-in-progress", "svc-a", "svc-c"]
    assert {r.name: r.repository_id for r in known}["svc-a"] == 1
