"""Monitoring's use cases over both products: the job list and the statistics, paged and counted in SQL.

Jobs are listed from the products' own tables (`shared.monitoring.store`), and the durable engine is asked only
about the jobs on the page shown (`get_status` per instance, concurrently): never `get_status_all`, which the real
client answers with one page only. Before counting, the products reconcile their active jobs (a job lost to a
host restart shows Failed here too) through their own services.
"""
from __future__ import annotations

import asyncio
import base64
import copy
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared import settings
from shared.analyzer import service as analysis_service
from shared.durable import StatusReader, runtime_name
from shared.monitoring import servers as host_servers
from shared.monitoring import store
from shared.monitoring.catalog import BY_TYPE, FINISHED, JOB_STATUSES, JOB_TYPES
from shared.monitoring.records import ProductRecord
from shared.monitoring.stats import WINDOWS, percentile
from shared.monitoring.summary import JobSummary, parse_time, summarize
from shared.policies import service as policy_service
from shared.storage.db import get_database

log = logging.getLogger(__name__)


def instance_payload(status: Any) -> dict[str, Any] | None:
    """A `DurableOrchestrationStatus` as the plain status payload `summarize` reads; None when it does not exist."""
    runtime = runtime_name(status)
    if runtime is None:
        return None
    return {"instanceId": status.instance_id, "name": status.name, "runtimeStatus": runtime,
            "createdTime": status.created_time, "lastUpdatedTime": status.last_updated_time,
            "customStatus": status.custom_status, "output": status.output}


async def reconcile_active(client: StatusReader, types: Collection[str]) -> None:
    if "analysis" in types:
        await analysis_service.reconcile_active(client)
    if {"scan", "act"} & set(types):
        await policy_service.reconcile_active(client)


_TERMINAL_RUNTIME = frozenset({"Completed", "Failed", "Terminated", "Canceled"})


class _EndedInstances:
    """What the engine said about jobs that had ended, kept by this process for `MAX_AGE` seconds.

    A dashboard polls the same page every few seconds, and an ended job's instance no longer changes: its runtime
    status, custom status and output are final. Asking the engine again for 50 such jobs per poll was most of a
    list request's time (locally 50 gRPC calls; in Azure 50 HTTP calls to the extension). The key holds what makes
    the answer final: the job's status, attempt and end time in its product row (a restart reuses an analysis id
    but moves its row back to Pending, a new key). Only a terminal answer, or "the engine no longer knows it", is
    kept; an entry expires after `MAX_AGE` so an instance purged by another host is seen as gone soon enough.
    """

    MAX_AGE = 300.0
    MAX_ENTRIES = 5_000

    def __init__(self) -> None:
        self.entries: OrderedDict[tuple[Any, ...], tuple[float, dict[str, Any] | None]] = OrderedDict()

    @staticmethod
    def key(record: ProductRecord) -> tuple[Any, ...] | None:
        if record.status not in FINISHED:
            return None
        return record.type, record.id, record.status, record.attempt, record.completed_at

    def get(self, key: tuple[Any, ...]) -> tuple[bool, dict[str, Any] | None]:
        entry = self.entries.get(key)
        if entry is None or time.monotonic() - entry[0] > self.MAX_AGE:
            return False, None
        self.entries.move_to_end(key)
        return True, entry[1]

    def put(self, key: tuple[Any, ...], instance: dict[str, Any] | None) -> None:
        if instance is not None and instance.get("runtimeStatus") not in _TERMINAL_RUNTIME:
            return  # the orchestration is still finishing (the row ended first): ask again next time
        self.entries[key] = (time.monotonic(), instance)
        self.entries.move_to_end(key)
        while len(self.entries) > self.MAX_ENTRIES:
            self.entries.popitem(last=False)


_ended_instances = _EndedInstances()


async def _instance_of(client: StatusReader, record: ProductRecord) -> dict[str, Any] | None:
    key = _EndedInstances.key(record)
    if key is not None:
        known, instance = _ended_instances.get(key)
        if known:
            return instance
    try:
        instance = instance_payload(await client.get_status(record.id))
    except Exception:  # noqa: BLE001 - the engine unreachable: the product row still describes the job
        return None    # (and nothing is kept: next time the engine is asked again)
    if key is not None:
        _ended_instances.put(key, instance)
    return instance


async def summaries(client: StatusReader, records: list[ProductRecord], now: datetime) -> list[JobSummary]:
    """The records joined with what the engine says about each (asked concurrently, one instance each; an ended
    job's final answer is remembered, see `_EndedInstances`)."""
    instances = await asyncio.gather(*(_instance_of(client, r) for r in records))
    return [summarize(BY_TYPE[r.type], i, r, now) for r, i in zip(records, instances, strict=True)]


def runtime_counts(jobs: list[JobSummary]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for job in jobs:
        if job.runtime_status is not None:
            counts[job.runtime_status] = counts.get(job.runtime_status, 0) + 1
    return counts


@dataclass(frozen=True)
class JobPage:
    jobs: list[JobSummary]
    total: int                             # jobs matching the filter
    counts: dict[str, dict[str, int]]      # per type, by status, before the status filter
    orchestrations: dict[str, int]         # the engine's runtime statuses of the jobs on the page
    next_cursor: str | None = None         # the page after this one (None: this is the last)


def encode_cursor(position: store.Position) -> str:
    """An opaque `cursor` for the page after `position` (base64url of a small JSON array)."""
    raw = json.dumps([position.created_at, position.id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> store.Position:
    """The position a `cursor` names; ValueError when it is not one this API gave out."""
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        raise ValueError("not a cursor this API gave out") from None
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) and v for v in value)):
        raise ValueError("not a cursor this API gave out")
    return store.Position(value[0], value[1])


async def _counts(client: StatusReader, types: Collection[str]) -> dict[str, dict[str, int]]:
    """Per type, jobs by status, after reconciling the active ones; `MONITORING_STATS_CACHE_SECONDS` old at most
    while requests keep coming (recounted beside them, see `_Memo`).

    Counting is a scan of each table's status index (100,000 jobs: 10-45 ms on a loaded machine, the largest part
    of a list request), and reconciling asks the engine about every active job; a dashboard polling a list needs
    neither on every request. With the setting at 0 both run on every request and the counts are exact.
    """
    if settings.monitoring_stats_cache_seconds() <= 0:
        await reconcile_active(client, types)
        return await asyncio.to_thread(store.counts_by_status, get_database(), types)

    async def every_type() -> dict[str, dict[str, int]]:
        await reconcile_active(client, BY_TYPE)
        return await asyncio.to_thread(store.counts_by_status, get_database(), BY_TYPE)

    counts: dict[str, dict[str, int]] = await _counts_cache.get(every_type)
    return {t: per for t, per in counts.items() if t in types}


async def list_jobs(client: StatusReader, types: Collection[str], status: str | None, offset: int, limit: int,
                    now: datetime, search: str | None = None, after: store.Position | None = None) -> JobPage:
    """One page of jobs, read fresh from the products' tables, with the counts (see `_counts`) and what the engine
    says about the jobs shown; `after` (a decoded cursor) replaces the offset."""
    db = get_database()
    counts = await _counts(client, types)
    records = await asyncio.to_thread(store.page_records, db, types, status, offset, limit, search, after)
    if search:
        total = await asyncio.to_thread(store.count_matching, db, types, status, search)
    else:
        total = sum(n for per_type in counts.values() for s, n in per_type.items() if status is None or s == status)
    jobs = await summaries(client, records, now)
    last = records[-1] if len(records) == limit else None
    next_cursor = encode_cursor(store.Position(last.created_at or "", last.id)) if last is not None else None
    return JobPage(jobs, total, counts, runtime_counts(jobs), next_cursor)


@dataclass(frozen=True)
class _TypeStats:
    counts: dict[str, int]
    finished: dict[str, dict[str, int]]   # window → status → count
    durations: dict[str, Any]


def _type_stats(job_type: str, now: datetime) -> _TypeStats:
    """One job type's share of the statistics: its table's reads, run in their own worker thread."""
    db = get_database()
    counts = store.counts_by_status(db, {job_type}).get(job_type, {})
    finished = {window: store.finished_since(db, (now - span).isoformat(), {job_type})
                for window, span in WINDOWS.items()}
    values = [_seconds(t) for t in store.recent_timings(db, job_type) if t.status in ("Completed", "Failed")]
    measured = [v for v in values if v is not None]
    average = round(sum(measured) / len(measured), 3) if measured else None
    durations = {"count": len(measured), "averageSeconds": average, "p95Seconds": percentile(measured, 0.95)}
    return _TypeStats(counts, finished, durations)


def _combine(per_type: dict[str, _TypeStats]) -> dict[str, Any]:
    by_status = dict.fromkeys(JOB_STATUSES, 0)
    for part in per_type.values():
        for status, n in part.counts.items():
            by_status[status] = by_status.get(status, 0) + n
    recent = {}
    for window in WINDOWS:
        finished: dict[str, int] = {}
        for part in per_type.values():
            for status, n in part.finished[window].items():
                finished[status] = finished.get(status, 0) + n
        recent[window] = {"succeeded": finished.get("Completed", 0),
                          "failed": finished.get("Failed", 0) + finished.get("Terminated", 0)}
    return {"total": sum(by_status.values()), "byStatus": by_status,
            "byType": {t: part.counts for t, part in per_type.items()}, **recent,
            "durations": {t: part.durations for t, part in per_type.items()}}


def _stats(now: datetime) -> dict[str, Any]:
    """The statistics in one thread (tests); `stats` reads the three tables concurrently."""
    return _combine({t.type: _type_stats(t.type, now) for t in JOB_TYPES})


def _seconds(timing: store.Timing) -> float | None:
    started, ended = parse_time(timing.started_at), parse_time(timing.completed_at)
    if started is None or ended is None:
        return None
    return round(max(0.0, (ended - started).total_seconds()), 3)


class _Memo:
    """One computed value and when it was computed (monotonic), shared by the requests of this process.

    Within `MONITORING_STATS_CACHE_SECONDS` (ttl) the last value is served; the lock makes concurrent misses share
    one computation. The statistics' counting is a scan of each table's status index, so its cost grows with the
    jobs kept (100,000 jobs: 10-60 ms, more on a loaded PostgreSQL); a dashboard polling every few seconds from
    several browsers would pay it on every request. A value older than the ttl but younger than `STALE_FACTOR` × ttl
    is still served, and one refresh starts beside the request (stale-while-revalidate): no request waits for the
    recount while the dashboard keeps polling; after a quiet spell longer than that, the request recomputes. 0 turns
    the cache off (the tests' hosts do, so their counts are exact).
    """

    STALE_FACTOR = 3

    def __init__(self) -> None:
        self.body: Any = None
        self.at = float("-inf")
        self.lock: asyncio.Lock | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.refresh: asyncio.Task[None] | None = None

    def guard(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self.lock is None or self.loop is not loop:  # an asyncio.Lock belongs to one loop
            self.lock, self.loop = asyncio.Lock(), loop
            self.refresh = None
        return self.lock

    async def _recompute(self, compute: Callable[[], Awaitable[Any]]) -> None:
        began = time.monotonic()
        try:
            body = await compute()
        except Exception:  # the stale value stays; a request past STALE_FACTOR × ttl recomputes
            log.warning("monitoring: refreshing cached counts failed", exc_info=True)
            return
        if began >= self.at:
            self.body, self.at = body, began

    async def get(self, compute: Callable[[], Awaitable[Any]]) -> Any:
        """The value, computed again when older than the setting (callers check that it is not 0)."""
        ttl = settings.monitoring_stats_cache_seconds()
        lock = self.guard()
        age = time.monotonic() - self.at
        if self.body is not None and ttl <= age < ttl * self.STALE_FACTOR:
            if self.refresh is None or self.refresh.done():
                self.refresh = asyncio.get_running_loop().create_task(self._recompute(compute))
        elif self.body is None or age >= ttl:
            async with lock:
                if self.body is None or time.monotonic() - self.at >= ttl:
                    await self._recompute_now(compute)
        return copy.deepcopy(self.body)

    async def _recompute_now(self, compute: Callable[[], Awaitable[Any]]) -> None:
        began = time.monotonic()
        self.body = await compute()
        self.at = began


_StatsCache = _Memo  # the name the tests know
_stats_cache = _Memo()
_counts_cache = _Memo()
_queues_cache = _Memo()


async def queue_depths(read: Callable[[], Awaitable[list[dict[str, Any]]]]) -> list[dict[str, Any]]:
    """The job queues' approximate depths (`read` asks the storage account), as old as the counts may be: four
    storage round trips were most of a cached stats request (p50 ~20 ms of ~25 on a loaded machine)."""
    if settings.monitoring_stats_cache_seconds() <= 0:
        return await read()
    depths: list[dict[str, Any]] = await _queues_cache.get(read)
    return depths


async def _fresh_stats(client: StatusReader, now: datetime) -> dict[str, Any]:
    await reconcile_active(client, BY_TYPE)
    parts = await asyncio.gather(*(asyncio.to_thread(_type_stats, t.type, now) for t in JOB_TYPES))
    body = _combine({t.type: part for t, part in zip(JOB_TYPES, parts, strict=True)})
    body["orchestrations"] = {}
    return body


async def stats(client: StatusReader, now: datetime) -> dict[str, Any]:
    """Counts by status and type, recent outcomes and durations (over the newest finished jobs of each type); at
    most `settings.monitoring_stats_cache_seconds()` old (see `_Memo`)."""
    if settings.monitoring_stats_cache_seconds() <= 0:
        return await _fresh_stats(client, now)
    body: dict[str, Any] = await _stats_cache.get(lambda: _fresh_stats(client, now))
    return body


@dataclass(frozen=True)
class DayOutcomes:
    date: str
    succeeded: int
    failed: int

    def to_json(self) -> dict[str, Any]:
        return {"date": self.date, "succeeded": self.succeeded, "failed": self.failed}


async def daily_history(now: datetime, days: int = 7) -> list[DayOutcomes]:
    """Jobs of both products that ended per UTC day over the last `days` days, oldest first, days without any
    included (Hangfire's history graph)."""
    first = (now - timedelta(days=days - 1)).date()
    counts = await asyncio.to_thread(store.finished_per_day, get_database(), first.isoformat())
    result = []
    for offset in range(days):
        day = (first + timedelta(days=offset)).isoformat()
        per = counts.get(day, {})
        result.append(DayOutcomes(day, per.get("Completed", 0), per.get("Failed", 0) + per.get("Terminated", 0)))
    return result


@dataclass(frozen=True)
class ServersView:
    servers: list[host_servers.Server]
    limits: dict[str, Any]
    running: dict[str, int]   # jobs running now, by type

    def to_json(self) -> dict[str, Any]:
        return {"servers": [s.to_json() for s in self.servers], "limits": self.limits, "running": self.running}


def _servers(now: datetime) -> ServersView:
    db = get_database()
    host_servers.heartbeat(db, now)
    counts = store.counts_by_status(db, BY_TYPE)
    running = {job_type: per.get("Running", 0) for job_type, per in counts.items()}
    return ServersView(host_servers.servers(db, now), host_servers.limits(), running)


async def servers(now: datetime) -> ServersView:
    """The host instances seen recently (this one included), the limits from host.json and the jobs running now."""
    return await asyncio.to_thread(_servers, now)


def heartbeat(now: datetime) -> None:
    host_servers.heartbeat(get_database(), now)
