"""Best-effort, ordered, non-blocking delivery of `RealtimeEvent`s to Azure SignalR Service.

Callers (activities, a cancel) only enqueue: one daemon thread per process sends, so a slow or absent service never
slows a job. An activity does not even read its job's row for a push: it enqueues "job X changed" (`refresh`), and
the sender thread reads the row and builds the events just before sending, so the activity pays a lock and a dict
entry, and pushes that come faster than sends cost one read of the newest state. Per job only the newest state
matters to a progress bar, so the sender keeps a backlog with the newest event per (target, group, job) and drops an
event older than one already taken (parallel batches may finish in either order). A failed send is tried `attempts`
times, then the service is considered down for `cooldown` seconds: one warning, the backlog waits (newest state per
job, bounded), one probe per cooldown, one info line when it answers again. Nothing is logged but the endpoint, the
error type and counts.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from shared import settings
from shared.realtime.connection import ConnectionStringError, SignalRConnection
from shared.realtime.events import RealtimeEvent, act_events, analysis_events, scan_events
from shared.realtime.service_api import ServiceRejected, ServiceUnavailable, SignalRServiceApi

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 1_000_000    # the service refuses larger REST messages
MAX_BACKLOG = 10_000             # distinct (target, group, job) keys held while the service is down
_ORDER_MEMORY = 10_000           # jobs whose last sent order is remembered


class Publisher:
    def __init__(self, api: SignalRServiceApi, *, attempts: int = 2, retry_pause: float = 0.2,
                 cooldown: float = 5.0) -> None:
        self.api = api
        self.attempts = max(1, attempts)
        self.retry_pause = retry_pause
        self.cooldown = cooldown
        self._lock = threading.Condition()
        self._backlog: OrderedDict[tuple[str, str, str], RealtimeEvent] = OrderedDict()
        self._refresh: OrderedDict[str, Callable[[], Iterable[RealtimeEvent]]] = OrderedDict()
        self._last_order: OrderedDict[tuple[str, str, str], tuple[int, int, int]] = OrderedDict()
        self._busy = False
        self._down_until = 0.0
        self._outage_dropped = 0
        self._thread: threading.Thread | None = None
        self.sent = 0
        self.failed = 0

    # -- callers ------------------------------------------------------------------------------------------------
    def publish(self, events: Iterable[RealtimeEvent]) -> None:
        """Enqueue; never raises, never waits on the network."""
        with self._lock:
            for event in events:
                last = self._last_order.get(event.key)
                if last is not None and event.order < last:
                    continue  # a newer state of this job was already taken
                self._last_order[event.key] = event.order
                self._last_order.move_to_end(event.key)
                while len(self._last_order) > _ORDER_MEMORY:
                    self._last_order.popitem(last=False)
                self._backlog.pop(event.key, None)
                self._backlog[event.key] = event
                while len(self._backlog) > MAX_BACKLOG:
                    self._backlog.popitem(last=False)
                    self._outage_dropped += 1
            self._ensure_thread()
            self._lock.notify_all()

    def refresh(self, subject: str, build: Callable[[], Iterable[RealtimeEvent]]) -> None:
        """Enqueue "`subject` changed": the sender thread calls `build` (which reads the current state) before its
        next send. A newer call for the same subject replaces an unbuilt one. Never raises, never waits."""
        with self._lock:
            self._refresh.pop(subject, None)
            self._refresh[subject] = build
            while len(self._refresh) > MAX_BACKLOG:
                self._refresh.popitem(last=False)
                self._outage_dropped += 1
            self._ensure_thread()
            self._lock.notify_all()

    def flush(self, timeout: float) -> bool:
        """Wait until everything taken was sent or given up (tests, benchmarks, shutdown)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._backlog or self._refresh or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(min(left, 0.05))
        return True

    # -- the sender thread --------------------------------------------------------------------------------------
    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="signalr-publisher", daemon=True)
            self._thread.start()

    def _build(self) -> None:
        """Turn the pending refreshes into events (reading rows here, off the callers' threads)."""
        with self._lock:
            builds = list(self._refresh.items())
            self._refresh.clear()
            self._busy = bool(builds) or self._busy
        for subject, build in builds:
            try:
                events = list(build())
            except Exception as exc:  # noqa: BLE001 - best effort by contract
                log.warning("SignalR: events of %s not built (%s)", subject, type(exc).__name__)
                continue
            self.publish(events)

    def _run(self) -> None:
        while True:
            self._build()
            with self._lock:
                while not self._backlog or time.monotonic() < self._down_until:
                    if self._refresh:
                        break
                    wait = None if not self._backlog else max(0.01, self._down_until - time.monotonic())
                    self._busy = False
                    self._lock.notify_all()
                    self._lock.wait(wait)
                if self._refresh:
                    continue
                key, event = next(iter(self._backlog.items()))
                del self._backlog[key]
                self._busy = True
            delivered = self._deliver(event)
            with self._lock:
                if delivered is None and key not in self._backlog:   # down: keep it unless a newer one came
                    self._backlog[key] = event
                    self._backlog.move_to_end(key, last=False)
                self._busy = False
                self._lock.notify_all()

    def _deliver(self, event: RealtimeEvent) -> bool | None:
        """True sent, False given up for good (too large, refused), None the service is down."""
        body = event.message()
        size = len(json.dumps(body, separators=(",", ":"), default=str).encode())
        if size > MAX_MESSAGE_BYTES:
            log.warning("SignalR: %s for %s not sent: %d bytes is over the service's %d-byte limit",
                        event.target.value, event.subject, size, MAX_MESSAGE_BYTES)
            self.failed += 1
            return False
        for attempt in range(self.attempts):
            try:
                self.api.send_to_group(event.group, body)
            except ServiceRejected as exc:
                log.warning("SignalR: %s for %s refused (%s); not retried", event.target.value, event.subject, exc)
                self.failed += 1
                return False
            except ServiceUnavailable as exc:
                if attempt + 1 < self.attempts:
                    time.sleep(self.retry_pause)
                    continue
                self._went_down(exc)
                return None
            self._came_back()
            self.sent += 1
            return True
        return None

    def _went_down(self, exc: Exception) -> None:
        first = self._down_until == 0.0
        self._down_until = time.monotonic() + self.cooldown
        if first:
            log.warning("SignalR service unreachable (%s): real-time events wait (newest state per job) and are "
                        "retried every %.0f s; jobs and polling are unaffected", exc, self.cooldown)

    def _came_back(self) -> None:
        if self._down_until != 0.0:
            self._down_until = 0.0
            log.info("SignalR service reachable again at %s; pending events sent", self.api.endpoint)


# -- the process-wide publisher ------------------------------------------------------------------------------------
_publishers: dict[tuple[str, str], Publisher | None] = {}
_publishers_lock = threading.Lock()


def service_api() -> SignalRServiceApi | None:
    """The configured service, or None when `AzureSignalRConnectionString` is unset (real-time off) or malformed
    (logged once, without the value)."""
    raw = settings.signalr_connection_string()
    if not raw:
        return None
    try:
        return SignalRServiceApi(SignalRConnection.parse(raw), settings.signalr_hub())
    except ConnectionStringError as exc:
        log.warning("%s; real-time events are off", exc)
        return None


def get_publisher() -> Publisher | None:
    key = (settings.signalr_connection_string(), settings.signalr_hub())
    with _publishers_lock:
        if key not in _publishers:
            api = service_api()
            _publishers[key] = Publisher(api) if api is not None else None
        return _publishers[key]


def publish(events: Iterable[RealtimeEvent]) -> None:
    publisher = get_publisher()
    if publisher is not None:
        publisher.publish(events)


def _refresh(subject: str, build: Callable[[], Iterable[RealtimeEvent]]) -> None:
    """Hand `build` to the sender thread. Never raises: a push is an extra, the job and its row are what count."""
    try:
        publisher = get_publisher()
        if publisher is not None:
            publisher.refresh(subject, build)
    except Exception as exc:  # noqa: BLE001 - best effort by contract
        log.warning("SignalR: events of %s not queued (%s)", subject, type(exc).__name__)


def publish_analysis_job(db: Any, job_id: str) -> None:
    """Push an analysis job's current state, read from its row (so it is what polling would answer) by the sender
    thread just before it sends."""
    def build() -> list[RealtimeEvent]:
        from shared.analyzer import jobs
        from shared.monitoring.store import load_record

        job = jobs.get_job(db, job_id)
        return analysis_events(job, load_record(db, "analysis", job_id)) if job is not None else []

    _refresh(f"analysis:{job_id}", build)


def publish_scan(db: Any, scan_id: str) -> None:
    """Push a scan's current state (its row)."""
    def build() -> list[RealtimeEvent]:
        from shared.monitoring.store import load_record
        from shared.policies import store

        scan = store.get_scan(db, scan_id)
        return scan_events(scan, load_record(db, "scan", scan_id)) if scan is not None else []

    _refresh(f"scan:{scan_id}", build)


def publish_act(db: Any, scan_id: str, act_id: str) -> None:
    """Push an act run's current state: its row, its work items and the scan's action log by outcome."""
    def build() -> list[RealtimeEvent]:
        from shared.monitoring.store import load_record
        from shared.policies import store

        run = load_record(db, "act", act_id)
        if run is None:
            return []
        return act_events(run, len(store.act_work_items(db, scan_id)), store.action_counts(db, scan_id))

    _refresh(f"act:{act_id}", build)
