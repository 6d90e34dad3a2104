"""All SQL of the Policy Enforcer (application database, portable `?` SQL; see `shared/storage/db.py`).

Writes are idempotent so that activities can be retried: results are replaced per scan × repository, snapshots per
scan × position, and the issue link row (repository × policy) is the claim that keeps two act runs from writing
the same issue at once.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from shared.policies.config import PolicyConfig
from shared.policies.evaluation import PolicyOutcome
from shared.policies.records import ActionLogEntry, Scan, Violation
from shared.policies.repo import RepoSnapshot
from shared.redaction import redact_text
from shared.status import ACTIVE_SQL, ACTIVE_STATUSES
from shared.storage.db import Database, IntegrityError

SCAN_LOCK = "policy-scan"
ACTIVE_SCAN_STATES = ACTIVE_STATUSES


def _safe(text: str) -> str:
    """Failure and log text as stored: without credentials (an exception may quote a token), at most 2,000 chars."""
    return redact_text(text)[:2000]


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


def details_hash(details: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(details, sort_keys=True, default=str).encode()).hexdigest()[:16]


class ScanAlreadyRunning(Exception):
    def __init__(self, scan_id: str) -> None:
        super().__init__(f"scan {scan_id} is already running")
        self.scan_id = scan_id


# -- scans ------------------------------------------------------------------------------------------------------
def create_scan(db: Database, scan_id: str, trigger: str, dry_run: bool, request: dict[str, Any],
                config: PolicyConfig, org: str, take_lock: bool = True) -> None:
    """Insert the scan and take the singleton lock in one transaction; `ScanAlreadyRunning` if it is held.

    A webhook evaluation of one repository runs beside scans without the lock (`take_lock=False`): the act step's
    per repository × policy claims keep a webhook and a scan acting on the same repository from duplicating."""
    now = now_iso()
    try:
        with db.transaction():
            if take_lock:
                db.execute("INSERT INTO policy_scan_lock (lock_name, scan_id, acquired_at) VALUES (?, ?, ?)",
                           (SCAN_LOCK, scan_id, now))
            db.execute(
                "INSERT INTO policy_scans (scan_id, status, trigger_kind, dry_run, request_json, config_json, org, "
                "created_at, repositories_scanned, violations_found, act_attempt) VALUES (?, 'Pending', ?, ?, ?, ?, ?, "
                "?, 0, 0, 0)",
                (scan_id, trigger, int(dry_run), json.dumps(request), json.dumps(config.to_json()), org, now))
    except IntegrityError:
        holder = lock_holder(db)
        raise ScanAlreadyRunning(holder or "unknown") from None


def lock_holder(db: Database) -> str | None:
    row = db.query_one("SELECT scan_id FROM policy_scan_lock WHERE lock_name = ?", (SCAN_LOCK,))
    return row["scan_id"] if row else None


def release_lock(db: Database, scan_id: str) -> None:
    db.execute("DELETE FROM policy_scan_lock WHERE lock_name = ? AND scan_id = ?", (SCAN_LOCK, scan_id))


def get_scan(db: Database, scan_id: str) -> Scan | None:
    row = db.query_one("SELECT * FROM policy_scans WHERE scan_id = ?", (scan_id,))
    return Scan.from_row(row) if row else None


def require_scan(db: Database, scan_id: str) -> Scan:
    """The scan an activity works for (it exists: the trigger wrote it before starting the orchestration)."""
    scan = get_scan(db, scan_id)
    if scan is None:
        raise LookupError(f"scan {scan_id} does not exist")
    return scan


def set_scan_config(db: Database, scan_id: str, config: PolicyConfig) -> None:
    """The effective configuration the scan runs with (the org's override applied), for the act step to reuse."""
    db.execute("UPDATE policy_scans SET config_json = ? WHERE scan_id = ?", (json.dumps(config.to_json()), scan_id))


def list_scans(db: Database, offset: int, limit: int) -> tuple[list[Scan], int]:
    total = db.count("SELECT COUNT(*) AS n FROM policy_scans")
    rows = db.query(db.limit("SELECT * FROM policy_scans ORDER BY created_at DESC, scan_id DESC", limit, offset))
    return [Scan.from_row(r) for r in rows], total


def active_scans(db: Database) -> list[Scan]:
    """Scans whose scan or act step is still Pending or Running (what a reconcile pass looks at)."""
    # Two indexed reads rather than one OR across two columns (which would scan the table).
    rows = {r["scan_id"]: r for r in db.query(f"SELECT * FROM policy_scans WHERE status IN {ACTIVE_SQL}")}
    rows.update((r["scan_id"], r) for r in db.query(f"SELECT * FROM policy_scans WHERE act_status IN {ACTIVE_SQL}"))
    return sorted((Scan.from_row(r) for r in rows.values()), key=lambda s: (s.created_at, s.scan_id))


def scan_config(db: Database, scan_id: str) -> PolicyConfig:
    row = db.query_one("SELECT config_json FROM policy_scans WHERE scan_id = ?", (scan_id,))
    if row is None:
        raise LookupError(f"scan {scan_id} does not exist")
    return PolicyConfig.from_json(json.loads(row["config_json"]))


def newer_scan_covering(db: Database, scan_id: str) -> str | None:
    """The newest completed scan, created after `scan_id`, that evaluated any repository `scan_id` evaluated:
    acting on `scan_id` again would act on stale results (reopen what was fixed, close what still fails)."""
    row = db.query_one(db.limit(
        "SELECT s.scan_id FROM policy_scans s JOIN policy_scans o ON o.scan_id = ? "
        "WHERE s.status = 'Completed' AND s.scan_id <> o.scan_id AND s.created_at > o.created_at "
        "AND EXISTS (SELECT 1 FROM policy_results n JOIN policy_results p ON p.repository = n.repository "
        "AND p.scan_id = o.scan_id WHERE n.scan_id = s.scan_id) ORDER BY s.created_at DESC", 1, 0), (scan_id,))
    return row["scan_id"] if row else None


def mark_scan_running(db: Database, scan_id: str) -> None:
    db.execute("UPDATE policy_scans SET status = 'Running', started_at = COALESCE(started_at, ?) "
               f"WHERE scan_id = ? AND status IN {ACTIVE_SQL}", (now_iso(), scan_id))


def set_repositories_total(db: Database, scan_id: str, total: int) -> None:
    db.execute("UPDATE policy_scans SET repositories_total = ? WHERE scan_id = ?", (total, scan_id))


def refresh_scan_counts(db: Database, scan_id: str) -> tuple[int, int]:
    scanned = db.count("SELECT COUNT(DISTINCT repository) AS n FROM policy_results WHERE scan_id = ?", (scan_id,))
    violations = db.count("SELECT COUNT(*) AS n FROM policy_violations WHERE scan_id = ?", (scan_id,))
    db.execute("UPDATE policy_scans SET repositories_scanned = ?, violations_found = ? WHERE scan_id = ?",
               (scanned, violations, scan_id))
    return scanned, violations


def complete_scan(db: Database, scan_id: str, act_id: str, warning: str = "") -> bool:
    """Mark Completed, release the lock and note the pending act step; False if the scan was already final."""
    with db.transaction():
        refresh_scan_counts(db, scan_id)
        changed = db.execute(
            "UPDATE policy_scans SET status = 'Completed', completed_at = ?, act_id = ?, act_status = 'Pending', "
            f"act_attempt = 1, act_requested_at = ?, warning = ? WHERE scan_id = ? AND status IN {ACTIVE_SQL}",
            (now_iso(), act_id, now_iso(), warning or None, scan_id))
        release_lock(db, scan_id)
    return changed == 1


def fail_scan(db: Database, scan_id: str, error: str) -> None:
    """Mark Failed (counting the results stored so far) and release the lock."""
    with db.transaction():
        if db.execute("UPDATE policy_scans SET status = 'Failed', completed_at = ?, error = ? "
                      f"WHERE scan_id = ? AND status IN {ACTIVE_SQL}", (now_iso(), _safe(error), scan_id)):
            refresh_scan_counts(db, scan_id)
        release_lock(db, scan_id)


def repositories_with_error(db: Database, scan_id: str, marker: str) -> list[str]:
    """Repositories of the scan with an `error` result whose details name `marker` (e.g. GitHub kept failing)."""
    rows = db.query("SELECT DISTINCT repository FROM policy_results WHERE scan_id = ? AND outcome = 'error' "
                    "AND details_json LIKE ? ORDER BY repository", (scan_id, f"%{marker}%"))
    return [r["repository"] for r in rows]


# -- repository snapshots ---------------------------------------------------------------------------------------
def store_repositories(db: Database, scan_id: str, first_seq: int, repos: list[RepoSnapshot]) -> None:
    with db.transaction():
        db.execute("DELETE FROM policy_scan_repositories WHERE scan_id = ? AND seq >= ? AND seq < ?",
                   (scan_id, first_seq, first_seq + max(len(repos), 1)))
        for i, repo in enumerate(repos):
            db.execute("INSERT INTO policy_scan_repositories (scan_id, seq, repository, snapshot_json) "
                       "VALUES (?, ?, ?, ?)", (scan_id, first_seq + i, repo.name, json.dumps(repo.to_json())))


def load_repositories(db: Database, scan_id: str, offset: int, limit: int) -> list[RepoSnapshot]:
    rows = db.query("SELECT snapshot_json FROM policy_scan_repositories WHERE scan_id = ? AND seq >= ? AND seq < ? "
                    "ORDER BY seq", (scan_id, offset, offset + limit))
    return [RepoSnapshot.from_json(json.loads(r["snapshot_json"])) for r in rows]


def load_repository(db: Database, scan_id: str, name: str) -> RepoSnapshot | None:
    row = db.query_one("SELECT snapshot_json FROM policy_scan_repositories WHERE scan_id = ? AND repository = ?",
                       (scan_id, name))
    return RepoSnapshot.from_json(json.loads(row["snapshot_json"])) if row else None


def stored_repository_names(db: Database, scan_id: str) -> set[str]:
    return {r["repository"] for r in db.query("SELECT repository FROM policy_scan_repositories WHERE scan_id = ?",
                                              (scan_id,))}


def count_repositories(db: Database, scan_id: str) -> int:
    return db.count("SELECT COUNT(*) AS n FROM policy_scan_repositories WHERE scan_id = ?", (scan_id,))


# -- results and violations -------------------------------------------------------------------------------------
def store_results(db: Database, scan_id: str, outcomes: list[PolicyOutcome]) -> None:
    """Replace the results of the repositories in `outcomes` (so a retried chunk leaves one row per key)."""
    now = now_iso()
    with db.transaction():
        for repo in sorted({o.repository for o in outcomes}):
            db.execute("DELETE FROM policy_results WHERE scan_id = ? AND repository = ?", (scan_id, repo))
            db.execute("DELETE FROM policy_violations WHERE scan_id = ? AND repository = ?", (scan_id, repo))
        for o in outcomes:
            details = json.dumps(o.details, sort_keys=True, default=str)
            db.execute("INSERT INTO policy_results (scan_id, repository, policy_id, outcome, severity, action, "
                       "message, details_json, evaluated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (scan_id, o.repository, o.policy_id, o.outcome, o.severity, o.action, o.message, details, now))
            if o.outcome == "fail":
                db.execute("INSERT INTO policy_violations (scan_id, repository, policy_id, severity, action, message, "
                           "details_json, details_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           (scan_id, o.repository, o.policy_id, o.severity, o.action, o.message, details,
                            details_hash(o.details)))


def list_violations(db: Database, scan_id: str, offset: int, limit: int) -> tuple[list[Violation], int]:
    total = db.count("SELECT COUNT(*) AS n FROM policy_violations WHERE scan_id = ?", (scan_id,))
    rows = db.query(db.limit("SELECT * FROM policy_violations WHERE scan_id = ? ORDER BY repository, policy_id",
                             limit, offset), (scan_id,))
    return [Violation.from_row(r) for r in rows], total


def evaluated_repositories(db: Database, scan_id: str, names: list[str]) -> set[str]:
    """Which of `names` already have results in this scan (evaluated before a rate-limit pause or a retry)."""
    if not names:
        return set()
    marks = ",".join("?" * len(names))
    rows = db.query(f"SELECT DISTINCT repository FROM policy_results WHERE scan_id = ? AND repository IN ({marks})",
                    (scan_id, *names))
    return {r["repository"] for r in rows}


def chunk_counts(db: Database, scan_id: str, names: list[str]) -> tuple[int, int, int]:
    """Repositories with results, violations and errors among `names` in this scan."""
    marks = ",".join("?" * len(names))
    rows = db.query(f"SELECT COUNT(DISTINCT repository) AS n, SUM(CASE WHEN outcome = 'fail' THEN 1 ELSE 0 END) AS v, "
                    f"SUM(CASE WHEN outcome = 'error' THEN 1 ELSE 0 END) AS e FROM policy_results "
                    f"WHERE scan_id = ? AND repository IN ({marks})", (scan_id, *names))
    row = rows[0] if rows else {}
    return int(row.get("n") or 0), int(row.get("v") or 0), int(row.get("e") or 0)


def result_counts(db: Database, scan_id: str) -> dict[str, int]:
    rows = db.query("SELECT outcome, COUNT(*) AS n FROM policy_results WHERE scan_id = ? GROUP BY outcome",
                    (scan_id,))
    return {r["outcome"]: int(r["n"]) for r in rows}


# -- act work items ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WorkItem:
    kind: str  # violation | resolved
    repository: str
    policy_id: str
    action: str
    message: str
    details: dict[str, Any]
    details_hash: str


def act_work_items(db: Database, scan_id: str) -> list[WorkItem]:
    """Violations of the scan, then open issues whose repository complies in this scan; a stable order so that
    chunks can be addressed by offset across retries."""
    items = [WorkItem("violation", r["repository"], r["policy_id"], r["action"], r["message"],
                      json.loads(r["details_json"]), r["details_hash"])
             for r in db.query("SELECT * FROM policy_violations WHERE scan_id = ? ORDER BY repository, policy_id",
                               (scan_id,))]
    resolved = db.query(
        "SELECT r.repository, r.policy_id, r.action, r.outcome, r.message FROM policy_results r "
        "JOIN policy_issue_links l ON l.repository = r.repository AND l.policy_id = r.policy_id "
        "WHERE r.scan_id = ? AND r.outcome IN ('pass', 'exempt') AND l.issue_number IS NOT NULL "
        "ORDER BY r.repository, r.policy_id", (scan_id,))
    items += [WorkItem("resolved", r["repository"], r["policy_id"], r["action"], r["message"],
                       {"outcome": r["outcome"]}, "") for r in resolved]
    return items


# -- issue links (the per repository × policy claim) -------------------------------------------------------------
def get_link(db: Database, repository: str, policy_id: str) -> dict[str, Any] | None:
    return db.query_one("SELECT * FROM policy_issue_links WHERE repository = ? AND policy_id = ?",
                        (repository, policy_id))


def claim_link(db: Database, repository: str, policy_id: str, act_id: str, ttl_seconds: int = 600) -> bool:
    """Claim the repository × policy for this act run; False while another live run holds it."""
    now = datetime.now(timezone.utc)
    try:
        db.execute("INSERT INTO policy_issue_links (repository, policy_id, updated_at) VALUES (?, ?, ?)",
                   (repository, policy_id, now.isoformat()))
    except IntegrityError:
        pass
    until = (now + timedelta(seconds=ttl_seconds)).isoformat()
    changed = db.execute(
        "UPDATE policy_issue_links SET claimed_by = ?, claimed_until = ? WHERE repository = ? AND policy_id = ? "
        "AND (claimed_by IS NULL OR claimed_by = ? OR claimed_until < ?)",
        (act_id, until, repository, policy_id, act_id, now.isoformat()))
    return changed == 1


def release_link(db: Database, repository: str, policy_id: str, act_id: str) -> None:
    db.execute("UPDATE policy_issue_links SET claimed_by = NULL, claimed_until = NULL "
               "WHERE repository = ? AND policy_id = ? AND claimed_by = ?", (repository, policy_id, act_id))


def save_link(db: Database, repository: str, policy_id: str, number: int | None, url: str | None,
              state: str | None, hash_: str | None) -> None:
    db.execute("UPDATE policy_issue_links SET issue_number = ?, issue_url = ?, state = ?, details_hash = ?, "
               "updated_at = ? WHERE repository = ? AND policy_id = ?",
               (number, url, state, hash_, now_iso(), repository, policy_id))


# -- action log and act runs ------------------------------------------------------------------------------------
def log_action(db: Database, scan_id: str, act_id: str, repository: str, policy_id: str, action: str, outcome: str,
               attempt: int, message: str = "", http_status: int | None = None, issue_number: int | None = None,
               issue_url: str | None = None) -> None:
    db.execute("INSERT INTO policy_action_log (log_id, scan_id, act_id, repository, policy_id, action, outcome, "
               "http_status, issue_number, issue_url, attempt, message, created_at) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
               (uuid.uuid4().hex, scan_id, act_id, repository, policy_id, action, outcome, http_status,
                issue_number, issue_url, attempt, _safe(message), now_iso()))


def list_actions(db: Database, scan_id: str, offset: int, limit: int) -> tuple[list[ActionLogEntry], int]:
    total = db.count("SELECT COUNT(*) AS n FROM policy_action_log WHERE scan_id = ?", (scan_id,))
    rows = db.query(db.limit("SELECT * FROM policy_action_log WHERE scan_id = ? ORDER BY created_at, log_id",
                             limit, offset), (scan_id,))
    return [ActionLogEntry.from_row(r) for r in rows], total


def action_counts(db: Database, scan_id: str) -> dict[str, int]:
    rows = db.query("SELECT outcome, COUNT(*) AS n FROM policy_action_log WHERE scan_id = ? GROUP BY outcome",
                    (scan_id,))
    return {r["outcome"]: int(r["n"]) for r in rows}


def already_logged(db: Database, act_id: str, repository: str, policy_id: str, outcomes: tuple[str, ...]) -> bool:
    marks = ",".join("?" * len(outcomes))
    return db.count(f"SELECT COUNT(*) AS n FROM policy_action_log WHERE act_id = ? AND repository = ? "
                    f"AND policy_id = ? AND outcome IN ({marks})", (act_id, repository, policy_id, *outcomes)) > 0


def count_outcomes_for_act(db: Database, act_id: str, outcome: str) -> int:
    return db.count("SELECT COUNT(*) AS n FROM policy_action_log WHERE act_id = ? AND outcome = ?",
                    (act_id, outcome))


def request_act(db: Database, scan_id: str, act_id: str, attempt: int) -> None:
    db.execute("UPDATE policy_scans SET act_id = ?, act_status = 'Pending', act_attempt = ?, act_requested_at = ?, "
               "act_error = NULL WHERE scan_id = ?", (act_id, attempt, now_iso(), scan_id))


def start_act_run(db: Database, act_id: str, scan_id: str, attempt: int) -> None:
    with db.transaction():
        try:
            db.execute("INSERT INTO policy_act_runs (act_id, scan_id, attempt, status, started_at) "
                       "VALUES (?, ?, ?, 'Running', ?)", (act_id, scan_id, attempt, now_iso()))
        except IntegrityError:
            pass  # a replayed or retried activity: the run exists already
        db.execute("UPDATE policy_scans SET act_status = 'Running', act_id = ? WHERE scan_id = ? AND "
                   "(act_id IS NULL OR act_id = ?)", (act_id, scan_id, act_id))


def claim_act(db: Database, scan_id: str, act_id: str) -> str:
    """Take the scan's act claim for `act_id`; "" when held now, else why not (the run must then do nothing).

    Exactly one act run per scan: only the run the scan row designates (`act_id`, moved on by a retry) may claim,
    and only while no other run holds an unreleased claim. A delayed queue message for an older run, or a second
    starter racing a retry, finds it taken. The claim is a row keyed by scan id, so the database decides the race.
    """
    now = now_iso()
    with db.transaction():
        scan = db.query_one("SELECT act_id FROM policy_scans WHERE scan_id = ?", (scan_id,))
        if scan is None:
            return f"scan {scan_id} does not exist"
        if scan["act_id"] != act_id:
            return f"act run {scan['act_id']} is the current one for scan {scan_id}"
        try:
            db.execute("INSERT INTO policy_act_claims (scan_id, act_id, claimed_at) VALUES (?, ?, ?)",
                       (scan_id, act_id, now))
            return ""
        except IntegrityError:
            pass
        taken = db.execute("UPDATE policy_act_claims SET act_id = ?, claimed_at = ?, released_at = NULL "
                           "WHERE scan_id = ? AND (act_id = ? OR released_at IS NOT NULL)",
                           (act_id, now, scan_id, act_id))
        if taken == 1:
            return ""
        holder = db.query_one("SELECT act_id FROM policy_act_claims WHERE scan_id = ?", (scan_id,))
        return f"act run {holder['act_id'] if holder else '?'} holds scan {scan_id}"


def act_claim_holder(db: Database, scan_id: str) -> str | None:
    """The act run holding an unreleased claim on the scan, if any."""
    row = db.query_one("SELECT act_id FROM policy_act_claims WHERE scan_id = ? AND released_at IS NULL", (scan_id,))
    return row["act_id"] if row else None


def release_act_claim(db: Database, scan_id: str, act_id: str) -> None:
    db.execute("UPDATE policy_act_claims SET released_at = ? WHERE scan_id = ? AND act_id = ? AND released_at IS NULL",
               (now_iso(), scan_id, act_id))


def fail_act_handover(db: Database, scan_id: str, act_id: str, reason: str) -> None:
    """The act request could not be queued: say so on the scan (the act step can be retried)."""
    db.execute("UPDATE policy_scans SET act_status = 'Failed', act_error = ? WHERE scan_id = ? AND act_id = ? "
               "AND act_status = 'Pending'", (reason[:2000], scan_id, act_id))


def finish_act_run(db: Database, act_id: str, scan_id: str, status: str, error: str = "") -> None:
    with db.transaction():
        release_act_claim(db, scan_id, act_id)
        db.execute("UPDATE policy_act_runs SET status = ?, completed_at = ?, error = ? WHERE act_id = ?",
                   (status, now_iso(), _safe(error) or None, act_id))
        db.execute("UPDATE policy_scans SET act_status = ?, act_error = ? WHERE scan_id = ? AND act_id = ?",
                   (status, _safe(error) or None, scan_id, act_id))


def mark_act_lost(db: Database, scan_id: str, act_id: str, reason: str, release_links: bool = False) -> None:
    """The act run is failed with `reason`; `release_links` when its orchestration no longer exists (nothing of it
    can still be writing), so a retry need not wait for its repository × policy claims to expire. The fingerprint
    lookup before every create still finds an issue the dead run opened without recording it."""
    with db.transaction():
        release_act_claim(db, scan_id, act_id)
        if release_links:
            db.execute("UPDATE policy_issue_links SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = ?",
                       (act_id,))
        db.execute("UPDATE policy_act_runs SET status = 'Failed', completed_at = ?, error = ? "
                   "WHERE act_id = ? AND status = 'Running'", (now_iso(), _safe(reason), act_id))
        db.execute("UPDATE policy_scans SET act_status = 'Failed', act_error = ? WHERE scan_id = ? AND act_id = ? "
                   f"AND act_status IN {ACTIVE_SQL}", (_safe(reason), scan_id, act_id))


def new_violations(db: Database, scan_id: str) -> list[dict[str, Any]]:
    """Violations of a scan that the previous completed scan of the same organization did not have (by repository
    + policy), for the schedules' `new-violations` condition; every violation when there is no previous scan."""
    scan = get_scan(db, scan_id)
    if scan is None:
        return []
    previous = db.query(db.limit("SELECT scan_id FROM policy_scans WHERE status = 'Completed' AND org = ? AND "
                                 "scan_id <> ? AND created_at < ? ORDER BY created_at DESC", 1),
                        (scan.org, scan_id, scan.created_at))
    baseline = previous[0]["scan_id"] if previous else ""
    return db.query("SELECT v.repository, v.policy_id, v.severity, v.message FROM policy_violations v "
                    "WHERE v.scan_id = ? AND NOT EXISTS (SELECT 1 FROM policy_violations p WHERE p.scan_id = ? "
                    "AND p.repository = v.repository AND p.policy_id = v.policy_id) "
                    "ORDER BY v.repository, v.policy_id", (scan_id, baseline))


def failed_scans_since(db: Database, since: str, limit: int = 200) -> list[dict[str, Any]]:
    """Failed scans created since `since`, for failure notifications."""
    return db.query(db.limit("SELECT scan_id, org, error, trigger_kind FROM policy_scans WHERE status = 'Failed' "
                             "AND created_at >= ? ORDER BY created_at, scan_id", limit), (since,))


# -- read models of the pages (shared.policies.matrix) -----------------------------------------------------------
def scan_policies(db: Database, scan_id: str) -> list[str]:
    return [r["policy_id"] for r in db.query("SELECT DISTINCT policy_id FROM policy_results WHERE scan_id = ? "
                                             "ORDER BY policy_id", (scan_id,))]


def results_page(db: Database, scan_id: str, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Every result of one page of repositories (by name), and how many repositories have results."""
    total = db.count("SELECT COUNT(DISTINCT repository) AS n FROM policy_results WHERE scan_id = ?", (scan_id,))
    repos = [r["repository"] for r in db.query(db.limit(
        "SELECT DISTINCT repository FROM policy_results WHERE scan_id = ? ORDER BY repository", limit, offset),
        (scan_id,))]
    if not repos:
        return [], total
    marks = ",".join("?" * len(repos))
    rows = db.query(f"SELECT repository, policy_id, outcome, message FROM policy_results WHERE scan_id = ? "
                    f"AND repository IN ({marks}) ORDER BY repository, policy_id", (scan_id, *repos))
    return rows, total


def violation_trend(db: Database, scans: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The last `scans` completed scans (newest first) and their violation counts per policy."""
    recent = db.query(db.limit("SELECT scan_id, started_at FROM policy_scans WHERE status = 'Completed' "
                               "ORDER BY created_at DESC, scan_id DESC", scans, 0))
    if not recent:
        return [], []
    marks = ",".join("?" * len(recent))
    counts = db.query(f"SELECT scan_id, policy_id, COUNT(*) AS n FROM policy_violations WHERE scan_id IN ({marks}) "
                      f"GROUP BY scan_id, policy_id", tuple(r["scan_id"] for r in recent))
    return recent, counts
