"""Monitoring's SQL (`shared/monitoring/store.py`) and its statistics (`shared/monitoring/service.py`) on every
backend: one newest-first order across the three job tables, pages that tile it, the status filter, counts, recent
outcomes by completion time and durations (nearest-rank p95)."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest

from shared.monitoring import service, store
from shared.monitoring.stats import percentile
from shared.storage.db import Database

NOW = datetime.now(timezone.utc).replace(microsecond=0)
TYPES = {"analysis", "scan", "act"}


def at(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).isoformat()


def analysis(db: Database, n: int, status: str, created: float, seconds: float = 10,
             ended: float | None = None) -> str:
    job_id = f"analysis-{n:032x}"
    done = at(ended) if ended is not None else None
    started = at((ended if ended is not None else created) + seconds / 60) if ended is not None else at(created)
    db.execute("INSERT INTO analysis_jobs (job_id, status, analysis_type, engine, target, connection_name, secret_ref, "
               "options_json, source, attempt, created_at, updated_at, started_at, completed_at, checks_total, "
               "checks_completed, current_step, server_json, error) VALUES (?, ?, 'quick', 'sqlite', 't.db', NULL, "
               "NULL, '{}', 'http', 1, ?, ?, ?, ?, 4, 2, 'x', NULL, NULL)",
               (job_id, status, at(created), at(created), started, done))
    return job_id


def scan(db: Database, n: int, status: str, created: float, ended: float | None = None) -> str:
    scan_id = f"scan-2026010100{n:04d}-abcdef"
    db.execute("INSERT INTO policy_scans (scan_id, status, trigger_kind, dry_run, request_json, config_json, org, "
               "created_at, started_at, completed_at, repositories_scanned, violations_found, act_attempt) "
               "VALUES (?, ?, 'manual', 1, '{}', '{}', 'acme', ?, ?, ?, 3, 1, 0)",
               (scan_id, status, at(created), at(created), at(ended) if ended is not None else None))
    return scan_id


def act(db: Database, scan_id: str, status: str, started: float, ended: float | None = None) -> str:
    act_id = f"{scan_id}:act"
    db.execute("INSERT INTO policy_act_runs (act_id, scan_id, attempt, status, started_at, completed_at) "
               "VALUES (?, ?, 1, ?, ?, ?)", (act_id, scan_id, status, at(started), at(ended) if ended else None))
    return act_id


@pytest.fixture(autouse=True)
def fresh_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test (and each backend) starts with this process's monitoring caches empty."""
    monkeypatch.setattr(service, "_stats_cache", service._Memo())
    monkeypatch.setattr(service, "_counts_cache", service._Memo())
    monkeypatch.setattr(service, "_ended_instances", service._EndedInstances())
    monkeypatch.setattr(service, "_queues_cache", service._Memo())


@pytest.fixture
def jobs(app_db: Database) -> list[tuple[str, str]]:
    """(id, status) newest first: the three types interleaved in time."""
    s1 = scan(app_db, 1, "Completed", 50, ended=45)
    made = [  # (id, status, created minutes ago)
        (analysis(app_db, 1, "Failed", 60, seconds=2, ended=59), "Failed", 60),
        (s1, "Completed", 50),
        (act(app_db, s1, "Completed", 44, ended=43), "Completed", 44),
        (analysis(app_db, 2, "Completed", 30, seconds=30, ended=29), "Completed", 30),
        (scan(app_db, 2, "Running", 20), "Running", 20),
        (analysis(app_db, 3, "Completed", 10, seconds=10, ended=9), "Completed", 10),
        (analysis(app_db, 4, "Canceled", 5, seconds=50, ended=4), "Canceled", 5),
        (analysis(app_db, 5, "Failed", 60 * 24 * 3, seconds=4, ended=60 * 24 * 3 - 1), "Failed", 60 * 24 * 3),
    ]
    return [(job_id, status) for job_id, status, _ in sorted(made, key=lambda m: m[2])]


def test_pages_tile_one_newest_first_order_across_the_tables(app_db: Database, jobs: list[tuple[str, str]]) -> None:
    everything = store.page_records(app_db, TYPES, None, 0, 100)
    assert [r.id for r in everything] == [j for j, _ in jobs]
    assert {r.type for r in everything} == TYPES
    pages = [store.page_records(app_db, TYPES, None, offset, 3) for offset in (0, 3, 6)]
    assert [r.id for page in pages for r in page] == [j for j, _ in jobs]
    assert [len(p) for p in pages] == [3, 3, 2]


def test_status_and_type_filters(app_db: Database, jobs: list[tuple[str, str]]) -> None:
    failed = store.page_records(app_db, TYPES, "Failed", 0, 50)
    assert [r.id for r in failed] == [j for j, s in jobs if s == "Failed"]
    only_scans = store.page_records(app_db, {"scan"}, None, 0, 50)
    assert [r.id for r in only_scans] == [j for j, _ in jobs if j.startswith("scan-") and ":act" not in j]
    assert store.page_records(app_db, set(), None, 0, 50) == []


def test_counts_recent_outcomes_and_durations(app_db: Database, jobs: list[tuple[str, str]],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    assert store.counts_by_status(app_db, TYPES) == {"analysis": {"Failed": 2, "Completed": 2, "Canceled": 1},
                                                     "scan": {"Completed": 1, "Running": 1},
                                                     "act": {"Completed": 1}}
    stats: dict[str, Any] = service._stats(NOW)
    assert stats["total"] == len(jobs) and stats["byStatus"]["Terminated"] == 0
    assert stats["last24h"] == {"succeeded": 4, "failed": 1}   # the 3-day-old failure is outside
    assert stats["last7d"] == {"succeeded": 4, "failed": 2}
    analysis_seconds = [2.0, 30.0, 10.0, 4.0]  # Canceled has no duration
    assert stats["durations"]["analysis"] == {"count": 4, "averageSeconds": 11.5,
                                              "p95Seconds": percentile(analysis_seconds, 0.95)}
    assert stats["durations"]["scan"]["count"] == 1 and stats["durations"]["act"]["count"] == 1


def test_listing_asks_the_engine_only_about_the_page(app_db: Database, jobs: list[tuple[str, str]]) -> None:
    asked: list[str] = []

    class Engine:
        async def get_status(self, instance_id: str, *args: Any, **kwargs: Any) -> None:
            asked.append(instance_id)

        async def get_status_all(self) -> None:
            raise AssertionError("monitoring must not list the engine: in Azure that is one page only")

    page = asyncio.run(service.list_jobs(Engine(), TYPES, None, 2, 3, NOW))
    shown = [j.id for j in page.jobs]
    assert shown == [j for j, _ in jobs][2:5] and page.total == len(jobs)
    active = [j for j, s in jobs if s in ("Pending", "Running")]
    assert sorted(set(asked)) == sorted(set(shown) | set(active))  # the page, plus reconciling the active rows


def test_stats_are_served_from_the_cache_within_its_age_and_exact_without_it(
        app_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    class Engine:
        async def get_status(self, instance_id: str, *args: Any, **kwargs: Any) -> None:
            return None

    monkeypatch.setattr(service, "_stats_cache", service._StatsCache())
    monkeypatch.setenv("MONITORING_STATS_CACHE_SECONDS", "3600")
    analysis(app_db, 1, "Completed", 10, ended=9)
    first = asyncio.run(service.stats(Engine(), NOW))
    analysis(app_db, 2, "Failed", 5, ended=4)
    first["byStatus"]["Completed"] = 99  # a caller changing its copy does not change the cached answer
    cached = asyncio.run(service.stats(Engine(), NOW))
    assert cached["total"] == 1 and cached["byStatus"]["Completed"] == 1 and cached["byStatus"]["Failed"] == 0
    monkeypatch.setenv("MONITORING_STATS_CACHE_SECONDS", "0")
    exact = asyncio.run(service.stats(Engine(), NOW))
    assert exact["total"] == 2 and exact["byStatus"]["Failed"] == 1
    monkeypatch.setenv("MONITORING_STATS_CACHE_SECONDS", "3600")
    service._stats_cache.at -= 3600  # older than the setting: served once more while it is computed beside it

    async def stale_then_fresh() -> tuple[int, int]:
        stale = (await service.stats(Engine(), NOW))["total"]
        refresh = service._stats_cache.refresh
        assert refresh is not None
        await refresh
        return stale, (await service.stats(Engine(), NOW))["total"]

    assert asyncio.run(stale_then_fresh()) == (1, 2)
    service._stats_cache.at -= 3 * 3600  # after a quiet spell (3 × the setting) the request computes it itself
    analysis(app_db, 3, "Failed", 3, ended=2)
    assert asyncio.run(service.stats(Engine(), NOW))["total"] == 3


def test_an_ended_jobs_final_instance_is_asked_for_once_and_an_active_one_every_time(
        app_db: Database, jobs: list[tuple[str, str]]) -> None:
    asked: list[str] = []
    running = [j for j, s in jobs if s == "Running"]

    class Engine:
        async def get_status(self, instance_id: str, *args: Any, **kwargs: Any) -> Any:
            asked.append(instance_id)
            if instance_id in running:
                return SimpleNamespace(instance_id=instance_id, name="policy_scan_orchestrator",
                                       runtime_status="Running", created_time=at(20), last_updated_time=at(1),
                                       custom_status=None, output=None)
            return None   # the engine no longer knows the ended ones (a final answer)

    first = asyncio.run(service.list_jobs(Engine(), TYPES, None, 0, 50, NOW))
    asked.clear()
    second = asyncio.run(service.list_jobs(Engine(), TYPES, None, 0, 50, NOW))
    assert [j.id for j in second.jobs] == [j.id for j in first.jobs]
    assert sorted(set(asked)) == running   # only the active job is asked again (the page, and reconciling it)
    assert [j.runtime_status for j in second.jobs] == [j.runtime_status for j in first.jobs]


def test_list_counts_are_served_from_the_cache_within_its_age_and_exact_without_it(
        app_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    class Engine:
        async def get_status(self, instance_id: str, *args: Any, **kwargs: Any) -> None:
            return None

    monkeypatch.setenv("MONITORING_STATS_CACHE_SECONDS", "3600")
    analysis(app_db, 1, "Completed", 10, ended=9)
    assert asyncio.run(service.list_jobs(Engine(), TYPES, None, 0, 50, NOW)).total == 1
    analysis(app_db, 2, "Failed", 5, ended=4)
    cached = asyncio.run(service.list_jobs(Engine(), TYPES, None, 0, 50, NOW))
    assert len(cached.jobs) == 2 and cached.total == 1   # the items are fresh, the counts up to the setting old
    monkeypatch.setenv("MONITORING_STATS_CACHE_SECONDS", "0")
    exact = asyncio.run(service.list_jobs(Engine(), TYPES, None, 0, 50, NOW))
    assert exact.total == 2 and exact.counts["analysis"] == {"Completed": 1, "Failed": 1}


def test_each_job_shows_its_priority_schedule_and_waiting_apart_from_running(app_db: Database) -> None:
    waited = analysis(app_db, 1, "Completed", 10, seconds=60, ended=8)   # created 10 min ago, ran 1 min
    app_db.execute("UPDATE analysis_jobs SET priority = 'high', started_at = ? WHERE job_id = ?", (at(9), waited))
    plain = analysis(app_db, 2, "Completed", 20, seconds=10, ended=19)
    s1 = scan(app_db, 3, "Completed", 30, ended=29)
    act_id = act(app_db, s1, "Completed", 29, ended=28)
    waiting = analysis(app_db, 4, "Pending", 2)
    app_db.execute("UPDATE analysis_jobs SET started_at = NULL, priority = 'low' WHERE job_id = ?", (waiting,))
    for run_id, schedule_id, job_id in (("r1", "nightly-shop", waited), ("r2", "daily-scan", s1)):
        app_db.execute("INSERT INTO schedule_runs (run_id, schedule_id, occurrence_at, trigger_kind, job_id, status, "
                       "started_at) VALUES (?, ?, ?, 'schedule', ?, 'started', ?)",
                       (run_id, schedule_id, at(10), job_id, at(10)))

    class Engine:
        async def get_status(self, instance_id: str, *args: Any, **kwargs: Any) -> Any:
            if instance_id != waiting:
                return None
            return SimpleNamespace(instance_id=waiting, name="analysis_orchestrator", runtime_status="Running",
                                   created_time=at(2), last_updated_time=at(1), custom_status=None, output=None)

    page = asyncio.run(service.list_jobs(Engine(), TYPES, None, 0, 50, NOW))
    by_id = {j.id: j.to_json("http://h") for j in page.jobs}
    assert by_id[waited]["priority"] == "high" and by_id[waited]["scheduleId"] == "nightly-shop"
    assert by_id[waited]["waitingSeconds"] == 60.0 and by_id[waited]["runningSeconds"] == 60.0
    assert by_id[waited]["startedAt"] == at(9)
    assert by_id[plain]["priority"] == "normal" and by_id[plain]["scheduleId"] is None
    assert by_id[plain]["waitingSeconds"] == 50.0 and by_id[plain]["runningSeconds"] == 10.0
    assert (by_id[s1]["scheduleId"], by_id[act_id]["scheduleId"]) == ("daily-scan", "daily-scan")
    assert by_id[s1]["priority"] == by_id[act_id]["priority"] == "normal"
    assert by_id[waiting]["priority"] == "low" and by_id[waiting]["startedAt"] is None
    assert by_id[waiting]["waitingSeconds"] == 120.0 and by_id[waiting]["runningSeconds"] == 0.0
    detail = store.load_record(app_db, "analysis", waited)
    assert detail is not None and (detail.priority, detail.schedule_id) == ("high", "nightly-shop")


def test_queue_depths_are_as_old_as_the_counts_may_be_and_read_every_time_without_a_cache(
        monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[int] = []

    async def read() -> list[dict[str, Any]]:
        reads.append(1)
        return [{"name": "analysis-requests", "poison": False, "depth": len(reads), "exists": True}]

    async def twice() -> list[int]:
        return [(await service.queue_depths(read))[0]["depth"] for _ in range(2)]

    monkeypatch.setenv("MONITORING_STATS_CACHE_SECONDS", "3600")
    assert asyncio.run(twice()) == [1, 1]
    monkeypatch.setenv("MONITORING_STATS_CACHE_SECONDS", "0")
    assert asyncio.run(twice()) == [2, 3]


def test_cursor_pages_tile_the_same_order_as_numbered_pages(app_db: Database, jobs: list[tuple[str, str]]) -> None:
    class Engine:
        async def get_status(self, instance_id: str, *args: Any, **kwargs: Any) -> None:
            return None

    seen: list[str] = []
    cursor: str | None = None
    for _ in range(4):
        after = service.decode_cursor(cursor) if cursor else None
        page = asyncio.run(service.list_jobs(Engine(), TYPES, None, 0, 3, NOW, after=after))
        seen += [j.id for j in page.jobs]
        cursor = page.next_cursor
        if cursor is None:
            break
    numbered = [r.id for r in store.page_records(app_db, TYPES, None, 0, 100)]
    assert seen == numbered and cursor is None   # 3 + 3 + 2: the short last page has no next cursor
    failed = [r.id for r in store.page_records(app_db, TYPES, "Failed", 0, 100)]   # (the lost scan too, now)
    first = store.page_records(app_db, TYPES, "Failed", 0, 1)[0]
    after = store.Position(first.created_at or "", first.id)
    assert [r.id for r in store.page_records(app_db, TYPES, "Failed", 0, 100, after=after)] == failed[1:]
    for junk in ("x", "bm90IGpzb24", service.encode_cursor(store.Position("a", "b"))[:-2] + "!!"):
        with pytest.raises(ValueError):
            service.decode_cursor(junk)
