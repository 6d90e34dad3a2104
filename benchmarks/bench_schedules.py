"""The per-minute due-check with 1,000 schedules in the application database, on SQLite and PostgreSQL.

What the tick does every minute before starting anything: the indexed query for enabled schedules whose next run
has come (`ix_schedules_due`). The schedules mix 5- and 6-field crons and a dozen zones; 20 of them are due, as
on a busy minute. Also timed: computing the next run of all 1,000 (what saving them costs), and a claim per due
schedule. Aim (issue 11): due-check ≤ 50 ms.
"""
from __future__ import annotations

import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from shared.schedules import service, store
from shared.schedules.model import parse_schedule
from shared.schedules.store import iso
from shared.storage.db import Database
from tests.support.databases import postgres_server

SCHEDULES = 1000
DUE = 20
ROUNDS = 50
ZONES = ["UTC", "Europe/Berlin", "Europe/London", "America/New_York", "Asia/Tokyo", "Australia/Sydney",
         "America/Los_Angeles", "Asia/Kolkata", "Europe/Paris", "America/Sao_Paulo", "Africa/Cairo", "Pacific/Auckland"]
CRONS = ["30 2 * * *", "0 */6 * * *", "15 9 * * MON-FRI", "0 0 1 * *", "0 30 3 * * *", "*/10 * * * *"]


def fill(db: Database, now: datetime) -> float:
    started = time.perf_counter()
    for i in range(SCHEDULES):
        schedule = parse_schedule(f"s{i:04d}", {"kind": "policy-scan", "cron": CRONS[i % len(CRONS)],
                                               "timeZone": ZONES[i % len(ZONES)], "request": {}})
        service.save(db, schedule, now)
    elapsed = time.perf_counter() - started
    due_at = iso(now - timedelta(seconds=30))
    for i in range(0, SCHEDULES, SCHEDULES // DUE):
        db.execute("UPDATE schedules SET next_run_at = ? WHERE schedule_id = ?", (due_at, f"s{i:04d}"))
    return elapsed


def measure(name: str, db: Database) -> dict[str, float]:
    db.migrate()
    now = datetime.now(timezone.utc)
    fill_s = fill(db, now)
    timings = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        due = store.due(db, iso(now))
        timings.append((time.perf_counter() - started) * 1000)
    assert len(due) == DUE, len(due)
    started = time.perf_counter()
    claimed = sum(store.claim_occurrence(db, s.schedule.schedule_id, s.next_run_at or "",
                                         iso(s.schedule.spec.next_after(now))) for s in due)
    claim_ms = (time.perf_counter() - started) * 1000
    assert claimed == DUE
    figures = {"due_p50_ms": statistics.median(timings), "due_max_ms": max(timings), "claim_all_ms": claim_ms,
               "save_1000_s": fill_s}
    print(f"{name}: due-check over {SCHEDULES} schedules ({DUE} due): p50 {figures['due_p50_ms']:.2f} ms, "
          f"max {figures['due_max_ms']:.2f} ms (aim <= 50 ms); claiming the {DUE}: {claim_ms:.1f} ms; "
          f"saving {SCHEDULES} (next run computed each): {fill_s:.2f} s", flush=True)
    return figures


def main() -> dict[str, dict[str, float]]:
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-schedules-") as folder:
        sqlite = Database(f"sqlite:///{Path(folder) / 'app.db'}")
        try:
            results["sqlite"] = measure("SQLite", sqlite)
        finally:
            sqlite.close()
    server = postgres_server()
    try:
        pg = Database("odbc:" + server("bench"))
        try:
            results["postgresql"] = measure("PostgreSQL", pg)
        finally:
            pg.close()
    finally:
        server.cleanup()
    return results


if __name__ == "__main__":
    main()
