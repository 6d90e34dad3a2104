"""Rate limits, injected faults and the request log: what lets tests prove a client spends its budget well.

GitHub's primary limit is a per-hour budget reported in `x-ratelimit-*` headers; conditional requests answered
with 304 are free. The secondary limit punishes bursts of content-creating requests with 403 + `Retry-After`.
Faults let a test make the next K requests to a path fail in a chosen way, which is how retry paths are exercised
against the real HTTP stack instead of a mock.
"""
from __future__ import annotations

import collections
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

PRIMARY_MESSAGE = ("API rate limit exceeded for user ID {uid}. If you reach out to GitHub Support for help, please "
                   "include the request ID {rid} and timestamp {ts}.")
PRIMARY_DOC = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
SECONDARY_MESSAGE = ("You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
                     "If you reach out to GitHub Support for help, please include the request ID {rid}.")
SECONDARY_DOC = ("https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api"
                 "#about-secondary-rate-limits")


class RateLimiter:
    """One primary budget (the sim serves one principal at a time in practice; GitHub keys it by user/app)."""

    def __init__(self, limit: int = 5000, window_seconds: int = 3600) -> None:
        self.lock = threading.Lock()
        self.limit = limit
        self.window = window_seconds
        self.used = 0
        self.reset_at = int(time.time()) + window_seconds

    def _roll(self) -> None:
        now = time.time()
        if now >= self.reset_at:
            self.used = 0
            self.reset_at = int(now) + self.window

    def exhausted(self) -> bool:
        with self.lock:
            self._roll()
            return self.used >= self.limit

    def consume(self) -> None:
        with self.lock:
            self._roll()
            self.used = min(self.limit, self.used + 1)

    def snapshot(self) -> dict[str, int]:
        with self.lock:
            self._roll()
            return {"limit": self.limit, "remaining": self.limit - self.used, "used": self.used,
                    "reset": self.reset_at}

    def set(self, *, remaining: int | None = None, limit: int | None = None, reset: int | None = None,
            window_seconds: int | None = None) -> None:
        with self.lock:
            if limit is not None:
                self.limit = int(limit)
            if window_seconds is not None:
                self.window = int(window_seconds)
            if reset is not None:
                self.reset_at = int(reset)
            self._roll()
            if remaining is not None:
                self.used = max(0, self.limit - int(remaining))


class SecondaryLimiter:
    """At most `max_writes` content-creating requests per `window_seconds`; 0 disables it."""

    def __init__(self, max_writes: int = 0, window_seconds: float = 60, retry_after: int = 60) -> None:
        self.lock = threading.Lock()
        self.max_writes = max_writes
        self.window = window_seconds
        self.retry_after = retry_after
        self.writes: collections.deque[float] = collections.deque()

    def allow_write(self) -> bool:
        with self.lock:
            if not self.max_writes:
                return True
            now = time.monotonic()
            while self.writes and now - self.writes[0] > self.window:
                self.writes.popleft()
            if len(self.writes) >= self.max_writes:
                return False
            self.writes.append(now)
            return True

    def configure(self, max_writes: int, window_seconds: float, retry_after: int) -> None:
        with self.lock:
            self.max_writes, self.window, self.retry_after = int(max_writes), float(window_seconds), int(retry_after)
            self.writes.clear()


@dataclass
class Fault:
    """The next `count` requests whose path matches `path` (a regex, searched) answer `status`."""

    path: str
    status: int
    count: int = 1
    method: str | None = None
    message: str | None = None
    retry_after: int | None = None
    delay_ms: int = 0
    pattern: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.pattern = re.compile(self.path)

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method.upper() == method) and bool(self.pattern.search(path))

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "status": self.status, "count": self.count, "method": self.method,
                "message": self.message, "retryAfter": self.retry_after, "delayMs": self.delay_ms}


class Faults:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self.lock:
            self.items.append(fault)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()

    def take(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.items:
                if fault.count > 0 and fault.matches(method, path):
                    fault.count -= 1
                    if fault.count == 0:
                        self.items.remove(fault)
                    return fault
        return None


class RequestLog:
    """Every API request (never its headers: they carry tokens) and counters per path template and status."""

    def __init__(self, max_entries: int = 200_000) -> None:
        self.lock = threading.Lock()
        self.entries: collections.deque[dict[str, Any]] = collections.deque(maxlen=max_entries)
        self.seq = 0
        self.by_template: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        self.by_status: collections.Counter[str] = collections.Counter()
        self.counted = 0
        self.not_counted = 0

    def record(self, method: str, path: str, template: str | None, status: int, counted: bool,
               duration_ms: float) -> None:
        with self.lock:
            self.seq += 1
            key = f"{method} {template or path}"
            self.entries.append({"seq": self.seq, "method": method, "path": path, "template": template,
                                 "status": status, "counted": counted, "durationMs": round(duration_ms, 2),
                                 "at": round(time.time(), 4)})
            self.by_template[key][str(status)] += 1
            self.by_status[str(status)] += 1
            if counted:
                self.counted += 1
            else:
                self.not_counted += 1

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.by_template.clear()
            self.by_status.clear()
            self.counted = self.not_counted = 0

    def counters(self) -> dict[str, Any]:
        with self.lock:
            return {"total": self.counted + self.not_counted, "counted": self.counted,
                    "notCounted": self.not_counted, "byStatus": dict(self.by_status),
                    "byTemplate": {k: dict(v) for k, v in sorted(self.by_template.items())}}

    def snapshot(self, since: int = 0) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(e) for e in self.entries if e["seq"] > since]
