"""Admission of analyses: per-target-server and overall limits, priorities, and the line a waiting job sees.

Hangfire had `[Queue("critical")]` and `[DisableConcurrentExecution]`; here an analysis asks for a slot before it
connects (in the plan activity) and gets one when (1) its server runs fewer than `ANALYZER_MAX_JOBS_PER_TARGET`
analyses, (2) fewer than `ANALYZER_MAX_JOBS` run overall and (3) no job waiting for the same server is ahead of
it (priority `high` < `normal` < `low`, then request time); a free overall slot goes to the first waiting job in
that order across all servers. The line is rows in the application database, so it survives restarts and is
shared by every instance. A slot freed by a job that ends is granted to the next job in the same transaction, and
its orchestration, waiting on an external event with a durable timer as the fallback, is told at once.

Why one queue with a priority field rather than a queue per priority: the storage queue only delivers requests;
the order in which analyses *start* is decided here, where a high-priority request overtakes the waiting line at
once, whichever queue or API call brought it in.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from shared.storage.db import Database, IntegrityError

log = logging.getLogger(__name__)

PRIORITIES: dict[str, int] = {"high": 0, "normal": 1, "low": 2}
DEFAULT_PRIORITY = "normal"
_LOCK = "admission"


@dataclass(frozen=True)
class Admission:
    granted: bool
    server: str
    ahead: int = 0       # jobs running on the server plus those waiting in front of this one
    gone: bool = False   # the job ended while waiting (canceled): stop
    waiting_ahead: int = 0  # only those waiting in front: 0 means next in line
    woken: tuple[str, ...] = ()  # other jobs this check gave a slot to: tell their orchestrations

    @property
    def step(self) -> str:
        return f"waiting for {self.server} ({self.ahead} ahead)"

    def to_json(self) -> dict[str, Any]:
        return {"granted": self.granted, "server": self.server, "ahead": self.ahead, "gone": self.gone}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Admission":
        return cls(bool(data["granted"]), str(data["server"]), int(data.get("ahead", 0)), bool(data.get("gone")))


def server_key(engine: str, target: str) -> str:
    """What "target server" means for throttling: engine + host:port (a SQLite file is its own server)."""
    if engine == "sqlite":
        return f"sqlite:{target}"
    return f"{engine}:{target.split('/', 1)[0]}"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _count(db: Database, sql: str, params: tuple[Any, ...]) -> int:
    row = db.query_one(sql, params)
    return int(row["n"]) if row else 0


def _lock(db: Database) -> None:
    """Serialise admission checks: every check first updates the one lock row (created on first use). On SQLite the
    transaction's `BEGIN IMMEDIATE` already holds the database's write lock, so no row is written: a check that
    changes nothing then commits nothing (no fsync), which matters when hundreds of jobs wait in line."""
    if db.dialect == "sqlite":
        return
    if db.execute("UPDATE analysis_admission_lock SET touched_at = ? WHERE lock_name = ?", (_now(), _LOCK)) == 0:
        try:
            db.execute("INSERT INTO analysis_admission_lock (lock_name, touched_at) VALUES (?, ?)", (_LOCK, _now()))
        except IntegrityError:
            db.execute("UPDATE analysis_admission_lock SET touched_at = ? WHERE lock_name = ?", (_now(), _LOCK))


def enqueue(db: Database, job_id: str, server: str, priority: str) -> None:
    """Take a place in the line when the job is created (not when its orchestration first asks), so the order is
    the order of requests even while the engine is still starting a backlog of orchestrations."""
    rank = PRIORITIES.get(priority, PRIORITIES[DEFAULT_PRIORITY])
    try:
        db.execute("INSERT INTO analysis_admission (job_id, server, priority, priority_rank, requested_at) "
                   "VALUES (?, ?, ?, ?, ?)", (job_id, server, priority, rank, _now()))
    except IntegrityError:
        pass  # already in line (a retried start)
    if priority != DEFAULT_PRIORITY:
        db.execute("UPDATE analysis_jobs SET priority = ? WHERE job_id = ?", (priority, job_id))


def _grant_waiting(db: Database, per_server: int, overall: int) -> list[str]:
    """Give every free slot to the job that should have it; the caller holds the lock, in a transaction.

    One pass over the waiting jobs in the order of the whole line (priority, then request time, then id), so a free
    *overall* slot goes to the highest-priority waiting job of any server whose own limit allows it, not to
    whichever job happens to ask first. A server whose head cannot start blocks the rest of that server's line
    (they are behind it), never other servers'. Returns the job ids granted here.
    """
    # Jobs that ended (finished, failed, canceled while waiting, lost) leave the line and free their slots.
    # Driven by the line (small), one key lookup per entry, not by the jobs table (which grows with history).
    db.execute("DELETE FROM analysis_admission WHERE NOT EXISTS (SELECT 1 FROM analysis_jobs j WHERE "
               "j.job_id = analysis_admission.job_id AND j.status IN ('Pending', 'Running'))")
    running: dict[str, int] = {}
    for row in db.query("SELECT server, COUNT(*) AS n FROM analysis_admission WHERE granted_at IS NOT NULL "
                        "GROUP BY server", ()):
        running[str(row["server"])] = int(row["n"])
    total = sum(running.values())
    limit_here, limit_all = max(1, per_server), max(1, overall)
    if total >= limit_all:
        return []
    granted: list[str] = []
    blocked: set[str] = set()
    for row in db.query("SELECT job_id, server FROM analysis_admission WHERE granted_at IS NULL "
                        "ORDER BY priority_rank, requested_at, job_id", ()):
        server = str(row["server"])
        if server in blocked:
            continue
        if running.get(server, 0) >= limit_here:
            blocked.add(server)
            continue
        if db.execute("UPDATE analysis_admission SET granted_at = ? WHERE job_id = ? AND granted_at IS NULL",
                      (_now(), row["job_id"])) == 1:
            granted.append(str(row["job_id"]))
            running[server] = running.get(server, 0) + 1
            total += 1
            if total >= limit_all:
                break
    return granted


def try_admit(db: Database, job_id: str, server: str, priority: str, per_server: int, overall: int) -> Admission:
    """Join the line (idempotent), hand out free slots in line order, and say whether this job got one.

    Slots are granted here and in `release` by one rule (`_grant_waiting`), so a job may find that a release
    already gave it its slot; `woken` lists the *other* jobs granted by this call, whose orchestrations are
    waiting for an event."""
    rank = PRIORITIES.get(priority, PRIORITIES[DEFAULT_PRIORITY])
    # The usual case after a hand-over: `release` already granted this job its slot. A grant only ends with the
    # job, so reading it needs neither the lock nor a write (which would queue behind every other admission).
    mine = db.query_one("SELECT a.granted_at FROM analysis_admission a JOIN analysis_jobs j ON j.job_id = a.job_id "
                        "WHERE a.job_id = ? AND j.status IN ('Pending', 'Running')", (job_id,))
    if mine is not None and mine["granted_at"]:
        return Admission(True, server)
    with db.transaction():
        _lock(db)
        if db.query_one("SELECT status FROM analysis_jobs WHERE job_id = ? AND status IN ('Pending', 'Running')",
                        (job_id,)) is None:
            db.execute("DELETE FROM analysis_admission WHERE job_id = ?", (job_id,))
            return Admission(False, server, gone=True, woken=tuple(_grant_waiting(db, per_server, overall)))
        if db.query_one("SELECT job_id FROM analysis_admission WHERE job_id = ?", (job_id,)) is None:
            db.execute("INSERT INTO analysis_admission (job_id, server, priority, priority_rank, requested_at) "
                       "VALUES (?, ?, ?, ?, ?)", (job_id, server, priority, rank, _now()))
        granted = _grant_waiting(db, per_server, overall)
        woken = tuple(g for g in granted if g != job_id)
        me = db.query_one("SELECT * FROM analysis_admission WHERE job_id = ?", (job_id,))
        assert me is not None
        if me["granted_at"]:
            return Admission(True, server, woken=woken)
        running_here = _count(db, "SELECT COUNT(*) AS n FROM analysis_admission WHERE server = ? AND "
                                  "granted_at IS NOT NULL", (server,))
        ahead = _count(db, "SELECT COUNT(*) AS n FROM analysis_admission WHERE server = ? AND granted_at IS NULL AND "
                           "(priority_rank < ? OR (priority_rank = ? AND (requested_at < ? OR (requested_at = ? AND "
                           "job_id < ?))))",
                       (server, me["priority_rank"], me["priority_rank"], me["requested_at"], me["requested_at"],
                        job_id))
        waiting = Admission(False, server, ahead + running_here, waiting_ahead=ahead, woken=woken)
        # The job's step says where it is in line, written in this transaction and only when it changed, so a job
        # asking again with the same place costs no write (and no commit to flush).
        db.execute("UPDATE analysis_jobs SET current_step = ?, updated_at = ? WHERE job_id = ? AND "
                   "status IN ('Pending', 'Running') AND current_step <> ?",
                   (waiting.step[:400], _now(), job_id, waiting.step[:400]))
        return waiting


def release(db: Database, job_id: str, per_server: int, overall: int) -> list[str]:
    """The job ended: its slot goes to the next in line at once, in the same transaction (so no other job can
    take it in between and nothing is granted twice). Returns the jobs granted, whose orchestrations the caller
    wakes with an event; if that event is lost (a crash right after the commit), their fallback timer finds the
    slot already theirs."""
    with db.transaction():
        _lock(db)
        db.execute("DELETE FROM analysis_admission WHERE job_id = ?", (job_id,))
        return _grant_waiting(db, per_server, overall)


def server_of(db: Database, job_id: str) -> str | None:
    row = db.query_one("SELECT server FROM analysis_admission WHERE job_id = ?", (job_id,))
    return str(row["server"]) if row else None


def refresh_places(db: Database, server: str) -> None:
    """Rewrite "waiting for <server> (n ahead)" of the jobs still waiting for `server` after its line moved.

    Waiting orchestrations no longer ask on a short timer, so without this their step would show the place they
    had when they last asked until their fallback timer. Done after the hand-over, off its critical path; one
    transaction, and only steps that changed are written. Never raises: its callers (finalize, cancel, the
    watchdog) have already done what counts, and a failure here would fail them (a finalize retried, a cancel
    answered 500) for a label; the places are then rewritten when those jobs next ask."""
    try:
        with db.transaction():
            running = _count(db, "SELECT COUNT(*) AS n FROM analysis_admission WHERE server = ? AND "
                                 "granted_at IS NOT NULL", (server,))
            waiting = db.query("SELECT job_id FROM analysis_admission WHERE server = ? AND granted_at IS NULL "
                               "ORDER BY priority_rank, requested_at, job_id", (server,))
            for place, row in enumerate(waiting):
                step = Admission(False, server, running + place).step[:400]  # the column's width, as try_admit
                db.execute("UPDATE analysis_jobs SET current_step = ? WHERE job_id = ? AND status = 'Pending' AND "
                           "current_step LIKE 'waiting for %' AND current_step <> ?", (step, row["job_id"], step))
    except Exception as exc:  # noqa: BLE001 - see above
        log.warning("admission: places in the line of %s not refreshed (%s)", server, type(exc).__name__)


def line(db: Database) -> list[dict[str, Any]]:
    """Running jobs first, then the waiting ones in the order they will start (per server)."""
    return db.query("SELECT * FROM analysis_admission ORDER BY server, CASE WHEN granted_at IS NULL THEN 1 ELSE 0 "
                    "END, priority_rank, requested_at, job_id")
