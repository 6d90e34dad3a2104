"""SQL Analyzer benchmark: a generated PostgreSQL database of 2,000 tables, 6,000 indexes and 500 views (and the same
at ×10: 20,000 / 60,000 / 5,000, built by the benchmark; BENCH_ANALYZER_SCALES, default "1,10"), analysed
`comprehensive` (a) directly, every planned check in sequence in one `AnalysisSession` (the floor), and (b) through
the app on the local host (POST /api/v1/analysis/start, long-poll the status until it ends), on one warm host, direct
and app runs alternating, best of BENCH_RUNS (3) each.

Prints the wall time of each and their ratio (aim: app ≤ 1.5 × floor), the host's peak RSS (psutil, sampled every
50 ms, children included; per job also the peak while checks ran and while finalizing, what ran at the peak and
RSS at the job's start and end, since the jobs share one host and what one leaves behind starts the next), the
most `sql-analyzer` sessions working at once on the target (pg_stat_activity client
backends in a statement or transaction, sampled every 50 ms from another database; parallel query workers, which
carry their leader's application_name, are not sessions) and the sessions opened (pg_stat_database.sessions delta,
PostgreSQL 14+).
The database holds planted defects (foreign keys without an index, duplicate indexes, views with leading-wildcard
LIKE) so both runs produce findings, and the two finding counts are printed side by side as a sanity check.
After all scales ran, the growth from ×1 to ×10 is printed (wall time and RSS per scale, and the time ratio against
the object ratio: linear growth is a time ratio close to the object ratio).
"""
from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TABLES, INDEXES, VIEWS = 2000, 6000, 500
SCALES = [int(s) for s in os.environ.get("BENCH_ANALYZER_SCALES", "1,10").split(",") if s.strip()]
PG_HOST, PG_PORT = os.environ.get("TEST_PG_HOST", "127.0.0.1"), os.environ.get("TEST_PG_PORT", "5432")
APPLICATION_NAME = "sql-analyzer"  # set by AnalysisSession on every target connection
SAMPLE_S = 0.05
RUNS = int(os.environ.get("BENCH_RUNS", "3"))


def conn_str(database: str) -> str:
    return f"Driver={{PostgreSQL Unicode}};Server={PG_HOST};Port={PG_PORT};Database={database};Uid=postgres;Pwd=;"


# -- the generated database --------------------------------------------------------------------------------------
def ddl_chunks(tables: int = TABLES, views: int = VIEWS, per_chunk: int = 100) -> Iterator[str]:
    """One script per `per_chunk` tables: a single 8,500-object transaction would exhaust the shared lock table.

    Every table has a primary key (2,000 indexes) and two secondary indexes (4,000), i.e. 6,000 indexes in all.
    Every 10th table's foreign key has no index of its own; every 25th table's second index duplicates its first.
    """
    for start in range(0, tables, per_chunk):
        lines = []
        for t in range(start, min(start + per_chunk, tables)):
            parent = f", parent_id bigint REFERENCES t{t - 1:05d} (id)" if t else ""
            lines.append(f"CREATE TABLE t{t:05d} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                         f"code text NOT NULL, amount numeric(12,2), status smallint, created_at timestamptz "
                         f"DEFAULT now(){parent});")
            first = "(parent_id)" if t and t % 10 else "(code)"
            lines.append(f"CREATE INDEX t{t:05d}_i1 ON t{t:05d} {first};")
            second = first if t % 25 == 0 else "(created_at, status)"
            lines.append(f"CREATE INDEX t{t:05d}_i2 ON t{t:05d} {second};")
        yield "\n".join(lines)
    for start in range(0, views, per_chunk):  # views in chunks too: 5,000 in one transaction exhaust the lock table
        view_lines = []
        for v in range(start, min(start + per_chunk, views)):
            t = (v * 4) % tables
            where = "code LIKE '%-x'" if v % 5 == 0 else "status = 1"
            view_lines.append(f"CREATE VIEW v{v:04d} AS SELECT id, code, amount FROM t{t:05d} WHERE {where};")
        yield "\n".join(view_lines)


def create_database(scale: int = 1) -> tuple[str, float]:
    import pyodbc

    name = f"bench_analyzer_{uuid.uuid4().hex[:8]}"
    started = time.perf_counter()
    with pyodbc.connect(conn_str("postgres"), autocommit=True, timeout=10) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    with pyodbc.connect(conn_str(name), autocommit=True, timeout=10) as conn:
        for script in ddl_chunks(TABLES * scale, VIEWS * scale):
            conn.execute(script)
        conn.execute("ANALYZE")
    return name, time.perf_counter() - started


def drop_database(name: str) -> None:
    import pyodbc

    with pyodbc.connect(conn_str("postgres"), autocommit=True, timeout=10) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# -- measurements ------------------------------------------------------------------------------------------------
class Sampler:
    """Polls `probe` every 50 ms on a thread and keeps the maximum it returned, and every sample with its time
    (`perf_counter`), so a peak can be placed on the job's timeline."""

    def __init__(self, probe: Callable[[], float]) -> None:
        self.probe, self.peak, self._stop = probe, 0.0, threading.Event()
        self.samples: list[tuple[float, float]] = []
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                value = float(self.probe())
                self.samples.append((time.perf_counter(), value))
                self.peak = max(self.peak, value)
            except Exception:  # noqa: BLE001 - a process exiting between samples is not a failure
                pass
            self._stop.wait(SAMPLE_S)

    def __enter__(self) -> "Sampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@contextmanager
def target_monitor(database: str) -> Iterator[dict[str, Any]]:
    """Concurrent analyzer sessions (peak) and sessions opened (delta) on `database`, watched from `postgres`."""
    import pyodbc

    monitor = pyodbc.connect(conn_str("postgres"), autocommit=True, timeout=10)
    lock = threading.Lock()

    def scalar(sql: str) -> int:
        with lock:
            return int(monitor.execute(sql, database).fetchone()[0] or 0)

    sessions_sql = "SELECT sessions FROM pg_stat_database WHERE datname = ?"
    # A session is a client backend: PostgreSQL's parallel query workers appear in pg_stat_activity with their
    # leader's datname and application_name (at x10 the big catalog queries run with two workers each, so 2 sessions
    # showed as 6 rows: the "6 sessions" once reported). Of those, count the ones inside a statement or a
    # transaction ("working"); a backend whose client already disconnected stays (idle) until it exits. The plain
    # row count is printed too.
    working_sql = (f"SELECT count(*) FROM pg_stat_activity WHERE datname = ? AND application_name = "
                   f"'{APPLICATION_NAME}' AND backend_type = 'client backend' AND state IN ('active', "
                   f"'idle in transaction', 'idle in transaction (aborted)')")
    held_sql = f"SELECT count(*) FROM pg_stat_activity WHERE datname = ? AND application_name = '{APPLICATION_NAME}'"
    figures: dict[str, Any] = {}
    before = scalar(sessions_sql)
    try:
        with Sampler(lambda: scalar(working_sql)) as working, Sampler(lambda: scalar(held_sql)) as held:
            yield figures
        time.sleep(0.5)  # ended sessions are counted when their backends exit
        figures["peak_concurrent"] = int(working.peak)
        figures["peak_held"] = int(held.peak)
        figures["sessions_opened"] = scalar(sessions_sql) - before
    finally:
        monitor.close()


# -- (a) the floor: every planned check in one session -----------------------------------------------------------
def run_direct(database: str) -> dict[str, Any]:
    """Imports (sqlglot for the linter, the ODBC driver) and the YAML catalog are loaded before the clock starts, as
    they are in a host that is already running."""
    from shared import settings
    from shared.analyzer import catalog, handlers
    from shared.analyzer.models import AnalysisOptions
    from shared.analyzer.planning import plan_checks
    from shared.analyzer.runner import run_check
    from shared.analyzer.session import AnalysisSession

    catalog.all_checks()
    handlers.get("pg_stored_code_lint")
    started = time.perf_counter()
    with AnalysisSession(conn_str(database), statement_timeout_s=settings.analyzer_statement_timeout_seconds(),
                         lock_timeout_ms=settings.analyzer_lock_timeout_ms()) as session:
        assert session.server is not None
        object_count = session.object_count()
        session.stats_since()
        plan = plan_checks(engine="postgresql", flavor=session.server.flavor, version=session.server.version,
                           object_count=object_count, analysis_type="comprehensive", options=AnalysisOptions(),
                           max_objects=settings.analyzer_max_objects(), max_parallel=1)
        outcomes = [run_check(session, check) for check in plan.runnable]
    wall = time.perf_counter() - started
    slowest = sorted(outcomes, key=lambda o: o.duration_ms, reverse=True)[:5]
    return {"wall": wall, "object_count": object_count, "checks": len(outcomes), "planned_skips": len(plan.skipped),
            "plan_skips": sorted({reason for _, reason in plan.skipped}),
            "findings": sum(len(o.findings) for o in outcomes),
            "skipped": [(o.check_id, o.skipped) for o in outcomes if o.skipped],
            "slowest": [(o.check_id, round(o.duration_ms)) for o in slowest]}


# -- (b) through the app on the local host -----------------------------------------------------------------------
_EXECUTING = re.compile(r"Executing 'Functions\.(\w+)' \(Reason='(?:\w+Trigger )?([^'#]*)[^']*', Id=([\w-]+)\)")
_EXECUTED = re.compile(r"Executed 'Functions\.(\w+)' \((\w+), Id=([\w-]+), Duration=(\d+)ms\)")


class LogTimeline:
    """Tails the host log every 10 ms and stamps each invocation line on arrival: the host's own timestamps have
    one-second resolution, too coarse to see the gaps between activities of a two-second job."""

    def __init__(self, path: Path) -> None:
        self.path, self.lines = path, []  # type: list[tuple[float, str]]
        self._offset, self._stop = path.stat().st_size if path.exists() else 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _read(self) -> None:
        with open(self.path, "rb") as f:
            f.seek(self._offset)
            chunk = f.read()
        complete = chunk[:chunk.rfind(b"\n") + 1]
        self._offset += len(complete)
        now = time.perf_counter()
        self.lines += [(now, line) for line in complete.decode("utf-8", "replace").splitlines()
                       if "Functions." in line]

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self._read()

    def __enter__(self) -> "LogTimeline":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        time.sleep(0.05)
        self._read()

    def invocations(self, instance_id: str, started: float) -> list[tuple[str, float, float, int]]:
        """(function, seen starting at s, seen ending at s, host-measured ms) of one orchestration's activities
        and orchestrator episodes, times relative to `started`."""
        ids: dict[str, tuple[str, float]] = {}
        out = []
        for at, line in self.lines:
            if (m := _EXECUTING.search(line)) and m.group(2).strip() == instance_id:
                ids[m.group(3)] = (m.group(1), at)
            elif (m := _EXECUTED.search(line)) and m.group(3) in ids:
                name, began = ids.pop(m.group(3))
                out.append((name, began - started, at - started, int(m.group(4))))
        return out


def memory_by_phase(samples: list[tuple[float, float]], invocations: list[tuple[str, float, float, int]],
                    started: float) -> str:
    """Where the host's peak RSS was reached: the highest sample while check batches ran and while the report was
    finalized (and the activities running at the overall peak), so a change can be aimed at the phase that sets it."""
    if not samples:
        return "no samples"
    finalize = [(b, e) for name, b, e, _ in invocations if name == "analysis_finalize"]
    final_from = min((b for b, _ in finalize), default=float("inf"))

    def peak(selected: list[tuple[float, float]]) -> str:
        return f"{max(v for _, v in selected) / 2**20:.0f} MB" if selected else "-"

    at, _ = max(samples, key=lambda s: s[1])
    rel = at - started
    running = sorted({name for name, b, e, _ in invocations if b - SAMPLE_S <= rel <= e + SAMPLE_S
                      and name != "analysis_orchestrator"})
    return (f"peak while checks ran {peak([s for s in samples if s[0] - started < final_from])}, while finalizing "
            f"{peak([s for s in samples if s[0] - started >= final_from])}; overall peak at {rel:.1f} s "
            f"(running: {', '.join(running) or 'none'}); RSS at start {samples[0][1] / 2**20:.0f} MB, "
            f"at end {samples[-1][1] / 2**20:.0f} MB")


def summarize_timeline(invocations: list[tuple[str, float, float, int]], wall: float) -> str:
    per_name: dict[str, list[int]] = {}
    for name, _, _, ms in invocations:
        per_name.setdefault(name, []).append(ms)
    parts = [f"{name} x{len(ms)} {sum(ms)} ms (max {max(ms)})" for name, ms in sorted(per_name.items())]
    activities = [i for i in invocations if i[0] != "analysis_orchestrator"]
    first = min((i[1] for i in activities), default=0.0)
    last = max((i[2] for i in activities), default=wall)
    return (f"{'; '.join(parts)} | first activity at {first * 1000:.0f} ms, last ended at {last * 1000:.0f} ms, "
            f"status seen Completed at {wall * 1000:.0f} ms")


@contextmanager
def local_host() -> Iterator[Any]:
    from cryptography.fernet import Fernet

    from devhost.azurite import Azurite
    from tests.support.local_host import LocalHost

    work = Path(tempfile.mkdtemp(prefix="bench-analyzer-"))
    azurite = Azurite(work / "azurite").start()
    host = LocalHost(app="function_app:app", workdir=work / "host",
                     storage_connection_string=azurite.connection_string,
                     env={"ANALYZER_SECRET_KEY": Fernet.generate_key().decode(),
                          "ANALYZER_ALLOWED_HOSTS": "127.0.0.1,localhost"})
    try:
        host.start()
        yield host
    finally:
        host.stop()
        azurite.stop()
        shutil.rmtree(work, ignore_errors=True)


def run_through_app(host: Any, database: str) -> dict[str, Any]:
    """One job on an already running host: POST start, then long-poll the status until it ends."""
    import psutil

    assert host.process is not None
    process = psutil.Process(host.process.pid)

    def rss() -> float:
        return process.memory_info().rss + sum(c.memory_info().rss for c in process.children(recursive=True))

    with Sampler(rss) as memory, target_monitor(database) as target, LogTimeline(host.log_path) as timeline:
        started = time.perf_counter()
        response = host.post("/api/v1/analysis/start", timeout=30,
                             json={"connectionString": conn_str(database), "analysisType": "comprehensive"})
        assert response.status_code == 202, response.text
        job_id = response.json()["jobId"]
        status: dict[str, Any] = {}
        while status.get("status") not in ("Completed", "Failed", "Canceled"):
            # The long-poll clients are told to use: it answers on every change (the job row is re-read every
            # 0.1 s server-side), so the end is seen as promptly as by polling every 0.1 s, without the traffic.
            status = host.get(f"/api/v1/analysis/status/{job_id}?wait=10", timeout=60).json()
        wall = time.perf_counter() - started
    assert status["status"] == "Completed", status
    report = host.get(f"/api/v1/analysis/{job_id}/report", timeout=60).json()
    invocations = timeline.invocations(job_id, started)
    return {"wall": wall, "peak_rss_mb": memory.peak / 2**20, **target,
            "memory": memory_by_phase(memory.samples, invocations, started),
            "findings": len(report["findings"]), "skipped": len(report["skipped"]),
            "checks_total": status.get("checksTotal"),
            "timeline": summarize_timeline(invocations, wall)}


def bench_scale(host: Any, scale: int) -> dict[str, Any]:
    """Direct and app runs alternate on one warm host, so a noisy neighbour on the machine weighs on both; each
    side's best of RUNS is compared (the first app job is shown too: it is the one a fresh host serves)."""
    tables, indexes, views = TABLES * scale, INDEXES * scale, VIEWS * scale
    database, build_s = create_database(scale)
    try:
        print(f"analyzer benchmark x{scale}: PostgreSQL database with {tables} tables, {indexes} indexes, {views} "
              f"views (built in {build_s:.1f} s); best of {RUNS} runs each, alternating")
        directs, apps = [], []
        for _ in range(RUNS):
            with target_monitor(database) as direct_target:
                directs.append((run_direct(database), direct_target))
            apps.append(run_through_app(host, database))
        direct, direct_target = min(directs, key=lambda run: run[0]["wall"])
        walls = ", ".join(f"{run['wall']:.2f}" for run, _ in directs)
        print(f"  (a) direct, one session: {direct['wall']:6.2f} s (runs: {walls} s) | "
              f"{direct['checks']} checks run, "
              f"{direct['planned_skips']} skipped by plan | {direct['findings']} findings | "
              f"{direct_target['sessions_opened']} session(s) | catalog objects {direct['object_count']}")
        print(f"      slowest checks (ms): {direct['slowest']}")
        if direct["plan_skips"]:
            print(f"      skipped by the scale guard: {direct['plan_skips']}")
        if direct["skipped"]:
            print(f"      skipped while running: {direct['skipped']}")
        app = min(apps, key=lambda run: run["wall"])
        walls = ", ".join(f"{run['wall']:.2f}" for run in apps)
        peak_rss = max(run["peak_rss_mb"] for run in apps)
        print(f"  (b) through the app:     {app['wall']:6.2f} s (runs: {walls} s, first job on a fresh host first) | "
              f"{app['checks_total']} checks | {app['findings']} findings, {app['skipped']} skipped | "
              f"host peak RSS {peak_rss:.0f} MB | target: "
              f"{app['peak_concurrent']} sessions working at once at most ({app['peak_held']} pg_stat_activity rows "
              f"incl. parallel workers and closing backends), "
              f"{app['sessions_opened']} opened")
        for number, run in enumerate(apps, 1):
            print(f"      memory, job {number}: {run['peak_rss_mb']:.0f} MB peak; {run['memory']}")
        print(f"      best run:  {app['timeline']}")
        print(f"      first run: {apps[0]['timeline']}")
        print(f"  ratio app / direct: {app['wall'] / direct['wall']:.2f}x best of {RUNS} each "
              f"(first job: {apps[0]['wall'] / direct['wall']:.2f}x) (aim <= 1.5x at x1, <= 1.2x at x10)")
        return {"scale": scale, "objects": direct["object_count"], "direct": direct["wall"], "app": app["wall"],
                "rss": peak_rss, "findings": direct["findings"]}
    finally:
        drop_database(database)


def main() -> None:
    results = []
    with local_host() as host:
        for scale in SCALES:
            results.append(bench_scale(host, scale))
    if len(results) > 1:
        base = results[0]
        for r in results[1:]:
            print(f"  growth x{base['scale']} -> x{r['scale']}: objects {r['objects'] / base['objects']:.1f}x, "
                  f"direct {base['direct']:.2f} -> {r['direct']:.2f} s ({r['direct'] / base['direct']:.1f}x), "
                  f"app {base['app']:.2f} -> {r['app']:.2f} s ({r['app'] / base['app']:.1f}x), "
                  f"findings {base['findings']} -> {r['findings']}, peak RSS {base['rss']:.0f} -> {r['rss']:.0f} MB "
                  f"(aim <= 300 MB)")


if __name__ == "__main__":
    main()
