"""Monitoring at scale: 100,000 jobs in the application database (70,000 analyses, 20,000 scans, 10,000 act runs,
a spread of statuses over 30 days), then `GET /api/v1/jobs?pageSize=50` and `GET /api/v1/jobs/stats` through the
local host, p50/p99 over 200 requests each, on SQLite and on PostgreSQL. Aim: p99 ≤ 100 ms.

The jobs are written straight into the tables (the engine does not know them, as after a restart in Azure's
retention window). A list request asks the engine only about the jobs on its page that it has not seen end
(`shared.monitoring.service._EndedInstances`), so the repeated `?pageSize=50` is what a polling dashboard costs;
`first views` measures pages never shown before (pages 2, 3, ...: every job on them is asked about once).
"""
from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

from devhost.azurite import Azurite
from shared.settings import monitoring_stats_cache_seconds
from shared.storage.db import Database
from tests.support.databases import postgres_server
from tests.support.local_host import LocalHost

JOBS = {"analysis": 70_000, "scan": 20_000, "act": 10_000}
REQUESTS = 200
WARM_UP = 10
AIM_MS = 100.0
# The app's default (shared/settings.py): stats may be this old. LocalHost turns the cache off for tests.
STATS_CACHE_SECONDS = str(monitoring_stats_cache_seconds())
PATHS = (("jobs", "/api/v1/jobs?pageSize=50"), ("failed", "/api/v1/jobs?pageSize=50&status=Failed"),
         ("stats", "/api/v1/jobs/stats"))
FINAL = ("Completed", "Completed", "Completed", "Failed", "Canceled")
FIRST_VIEWS = 20  # pages 2..21 of 50, each asked once


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def _times(rng: random.Random, now: datetime) -> tuple[str, str, str]:
    created = now - timedelta(seconds=rng.uniform(60, 30 * 86400))
    started = created + timedelta(seconds=rng.uniform(0, 5))
    completed = started + timedelta(seconds=rng.uniform(1, 600))
    return created.isoformat(), started.isoformat(), completed.isoformat()


def fill(db: Database) -> None:
    """Write JOBS rows in batches (one transaction each); every job has ended, as most do."""
    rng = random.Random(8)
    now = datetime.now(timezone.utc)
    batch = 2_000
    for start in range(0, JOBS["analysis"], batch):
        with db.transaction():
            for i in range(start, min(start + batch, JOBS["analysis"])):
                created, started, completed = _times(rng, now)
                status = rng.choice(FINAL)
                db.execute(
                    "INSERT INTO analysis_jobs (job_id, status, analysis_type, engine, target, connection_name, "
                    "secret_ref, options_json, source, attempt, created_at, updated_at, started_at, completed_at, "
                    "checks_total, checks_completed, current_step, server_json, error) "
                    "VALUES (?, ?, 'quick', 'sqlite', 'bench.db', 'bench', NULL, '{}', 'http', 1, ?, ?, ?, ?, 16, 16, "
                    "?, NULL, ?)",
                    (f"analysis-{i:032x}", status, created, completed, started, completed, status.lower(),
                     "bench failure" if status == "Failed" else None))
    for start in range(0, JOBS["scan"], batch):
        with db.transaction():
            for i in range(start, min(start + batch, JOBS["scan"])):
                created, started, completed = _times(rng, now)
                status = rng.choice(("Completed", "Completed", "Failed"))
                db.execute(
                    "INSERT INTO policy_scans (scan_id, status, trigger_kind, dry_run, request_json, config_json, org, "
                    "created_at, started_at, completed_at, repositories_total, repositories_scanned, "
                    "violations_found, error, act_id, act_status, act_attempt, act_requested_at, act_error) "
                    "VALUES (?, ?, 'schedule', 0, ?, '{}', 'bench-org', ?, ?, ?, 100, 100, 7, ?, NULL, NULL, 0, NULL, "
                    "NULL)",
                    (f"scan-bench-{i:08d}", status, json.dumps({"repositories": [], "policies": []}), created,
                     started, completed, "bench failure" if status == "Failed" else None))
    for start in range(0, JOBS["act"], batch):
        with db.transaction():
            for i in range(start, min(start + batch, JOBS["act"])):
                _, started, completed = _times(rng, now)
                db.execute("INSERT INTO policy_act_runs (act_id, scan_id, attempt, status, started_at, completed_at, "
                           "error) VALUES (?, ?, 1, 'Completed', ?, ?, NULL)",
                           (f"scan-bench-{i:08d}:act", f"scan-bench-{i:08d}", started, completed))


def measure(host: LocalHost, path: str, count: int) -> list[float]:
    timings = []
    with requests.Session() as session:
        session.headers["x-functions-key"] = host.function_key
        for i in range(WARM_UP + count):
            started = time.perf_counter()
            response = session.get(host.url(path), timeout=60)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.text
            if i >= WARM_UP:
                timings.append(elapsed)
    return timings


def measure_first_views(host: LocalHost, count: int) -> list[float]:
    """Pages never listed before: each request asks the engine about all 50 of its jobs."""
    timings = []
    with requests.Session() as session:
        session.headers["x-functions-key"] = host.function_key
        for page in range(2, 2 + count):
            started = time.perf_counter()
            response = session.get(host.url(f"/api/v1/jobs?pageSize=50&page={page}"), timeout=60)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
    return timings


def measure_cursor_pages(host: LocalHost, count: int) -> list[float]:
    """Pages by `nextCursor` (keyset) from the act runs' page 10 on: jobs no earlier request showed (the numbered
    first views cover the newest ~1,050 jobs, ~110 of them act runs), so each is a first view as well."""
    timings = []
    with requests.Session() as session:
        session.headers["x-functions-key"] = host.function_key
        cursor = session.get(host.url("/api/v1/jobs?pageSize=50&type=act&page=10"), timeout=60).json()["nextCursor"]
        for _ in range(count):
            started = time.perf_counter()
            response = session.get(host.url(f"/api/v1/jobs?pageSize=50&type=act&cursor={cursor}"), timeout=60)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
            cursor = response.json()["nextCursor"]
    return timings


def run(backend: str, database_url: str, azurite: Azurite, folder: Path, count: int) -> dict[str, float]:
    db = Database(database_url)
    db.migrate()
    began = time.perf_counter()
    fill(db)
    if db.dialect == "postgresql":
        db.execute("VACUUM ANALYZE")  # what autovacuum does soon after a bulk load; without it plans guess
    db.close()
    print(f"[{backend}] {sum(JOBS.values()):,} jobs written in {time.perf_counter() - began:.1f} s", flush=True)
    host = LocalHost(app="function_app:app", env={"APP_DATABASE_URL": database_url,
                                                 "FUNCTIONS_DEVHOST_LOG_LEVEL": "WARNING",
                                                 "MONITORING_STATS_CACHE_SECONDS": STATS_CACHE_SECONDS},
                     storage_connection_string=azurite.connection_string, workdir=folder / f"host-{backend}")
    figures: dict[str, float] = {}
    try:
        host.start()
        first = host.get("/api/v1/jobs?pageSize=50", timeout=60).json()
        assert first["total"] == sum(JOBS.values()) and len(first["items"]) == 50, first["total"]
        item = first["items"][0]
        assert {"priority", "scheduleId", "waitingSeconds", "runningSeconds"} <= set(item), item
        cold = measure_first_views(host, FIRST_VIEWS)
        figures["first_view_p50_ms"], figures["first_view_max_ms"] = statistics.median(cold), max(cold)
        print(f"[{backend}] GET /api/v1/jobs?pageSize=50&page=2..{1 + FIRST_VIEWS} (first views, every job asked "
              f"about): p50 {statistics.median(cold):.1f} ms, max {max(cold):.1f} ms", flush=True)
        keyset = measure_cursor_pages(host, FIRST_VIEWS)
        figures["cursor_p50_ms"], figures["cursor_max_ms"] = statistics.median(keyset), max(keyset)
        print(f"[{backend}] GET /api/v1/jobs?pageSize=50&type=act&cursor=... {FIRST_VIEWS} pages on by "
              f"nextCursor from page 10 (first views): p50 {statistics.median(keyset):.1f} ms, "
              f"max {max(keyset):.1f} ms", flush=True)
        for label, path in PATHS:
            timings = measure(host, path, count)
            p50, p99 = statistics.median(timings), percentile(timings, 0.99)
            figures[f"{label}_p50_ms"], figures[f"{label}_p99_ms"] = p50, p99
            verdict = "ok" if p99 <= AIM_MS else f"ABOVE the {AIM_MS:.0f} ms aim"
            print(f"[{backend}] GET {path} over {count} requests: p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
                  f"max {max(timings):.1f} ms ({verdict})", flush=True)
    finally:
        host.stop()
    return figures


def main(count: int = REQUESTS) -> dict[str, dict[str, float]]:
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="bench-monitoring-"))
    azurite = Azurite(folder / "azurite").start()
    server = postgres_server()
    results: dict[str, dict[str, float]] = {}
    try:
        results["sqlite"] = run("sqlite", f"sqlite:///{folder / 'app.db'}", azurite, folder, count)
        results["postgresql"] = run("postgresql", "odbc:" + server("benchmon"), azurite, folder, count)
        print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
        return results
    finally:
        server.cleanup()
        azurite.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
