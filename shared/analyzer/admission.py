"""Admission of analyses: per-target-server and overall limits, priorities, and the line a waiting job sees.

Hangfire had `[Queue("critical")]` and `[DisableConcurrentExecution]`; here an analysis asks for a slot before it
connects (in the plan activity) and gets one when (1) its server runs fewer than `ANALYZER_MAX_JOBS_PER_TARGET`
analyses, (2) fewer than `ANALYZER_MAX_JOBS` run overall and (3) no job waiting for the same server is ahead of
it (priority `high` < `normal` < `low`, then request time). The line is rows in the application database, so it
survives restarts and is shared by every instance; an orchestration that waits polls on a durable timer.

Why one queue with a priority field rather than a queue per priority: the storage queue only delivers requests;
the order in which analyses *start* is decided here, where a high-priority request overtakes the waiting line at
once, whichever queue or API call brought it in.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from shared.storage.db import Database, IntegrityError

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


def try_admit(db: Database, job_id: str, server: str, priority: str, per_server: int, overall: int) -> Admission:
    """Join the line (idempotent) and take a slot if this job is at its head and there is room."""
    rank = PRIORITIES.get(priority, PRIORITIES[DEFAULT_PRIORITY])
    with db.transaction():
        _lock(db)
        # Jobs that ended (finished, failed, canceled while waiting, lost) leave the line and free their slots.
        db.execute("DELETE FROM analysis_admission WHERE job_id IN (SELECT job_id FROM analysis_jobs WHERE "
                   "status NOT IN ('Pending', 'Running'))")
        if db.query_one("SELECT status FROM analysis_jobs WHERE job_id = ? AND status IN ('Pending', 'Running')",
                        (job_id,)) is None:
            db.execute("DELETE FROM analysis_admission WHERE job_id = ?", (job_id,))
            return Admission(False, server, gone=True)
        me = db.query_one("SELECT * FROM analysis_admission WHERE job_id = ?", (job_id,))
        if me is None:
            db.execute("INSERT INTO analysis_admission (job_id, server, priority, priority_rank, requested_at) "
                       "VALUES (?, ?, ?, ?, ?)", (job_id, server, priority, rank, _now()))
            me = db.query_one("SELECT * FROM analysis_admission WHERE job_id = ?", (job_id,))
            assert me is not None
        if me["granted_at"]:
            return Admission(True, server)
        running_here = _count(db, "SELECT COUNT(*) AS n FROM analysis_admission WHERE server = ? AND "
                                  "granted_at IS NOT NULL", (server,))
        running_all = _count(db, "SELECT COUNT(*) AS n FROM analysis_admission WHERE granted_at IS NOT NULL", ())
        ahead = _count(db, "SELECT COUNT(*) AS n FROM analysis_admission WHERE server = ? AND granted_at IS NULL AND "
                           "(priority_rank < ? OR (priority_rank = ? AND (requested_at < ? OR (requested_at = ? AND "
                           "job_id < ?))))",
                       (server, me["priority_rank"], me["priority_rank"], me["requested_at"], me["requested_at"],
                        job_id))
        if ahead == 0 and running_here < max(1, per_server) and running_all < max(1, overall):
            db.execute("UPDATE analysis_admission SET granted_at = ? WHERE job_id = ? AND granted_at IS NULL",
                       (_now(), job_id))
            return Admission(True, server)
        waiting = Admission(False, server, ahead + running_here, waiting_ahead=ahead)
        # The job's step says where it is in line, written in this transaction and only when it changed, so a job
        # asking again with the same place costs no write (and no commit to flush).
        db.execute("UPDATE analysis_jobs SET current_step = ?, updated_at = ? WHERE job_id = ? AND "
                   "status IN ('Pending', 'Running') AND current_step <> ?",
                   (waiting.step[:400], _now(), job_id, waiting.step[:400]))
        return waiting


def release(db: Database, job_id: str) -> None:
    """The job ended: its slot is free for the next in line."""
    db.execute("DELETE FROM analysis_admission WHERE job_id = ?", (job_id,))


def line(db: Database) -> list[dict[str, Any]]:
    """Running jobs first, then the waiting ones in the order they will start (per server)."""
    return db.query("SELECT * FROM analysis_admission ORDER BY server, CASE WHEN granted_at IS NULL THEN 1 ELSE 0 "
                    "END, priority_rank, requested_at, job_id")
