"""Helpers of the real-time e2e tests: a gate that holds an analysis at planning, and event checks."""
from __future__ import annotations

import itertools
import sqlite3
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema.validators import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from shared.api.openapi import openapi_document

FINAL = ("Completed", "Failed", "Canceled")
RANK = {"Pending": 0, "Running": 1}


class Gate:
    """An SQLite target whose file another connection holds under an EXCLUSIVE lock: the job's planning waits on
    it (busy timeout = ANALYZER_LOCK_TIMEOUT_MS) until `release()`, so clients connect before anything happens."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with sqlite3.connect(path) as db:
            db.executescript("CREATE TABLE IF NOT EXISTS customers (id INTEGER PRIMARY KEY, email TEXT);"
                             "CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, customer_id INTEGER "
                             "REFERENCES customers(id), total REAL);")
        self._lock: sqlite3.Connection | None = sqlite3.connect(path, isolation_level=None)
        self._lock.execute("BEGIN EXCLUSIVE")

    @property
    def connection_string(self) -> str:
        return f"Driver={{SQLite3}};Database={self.path};"

    def release(self) -> None:
        if self._lock is not None:
            self._lock.execute("ROLLBACK")
            self._lock.close()
            self._lock = None


@lru_cache(maxsize=1)
def _events() -> dict[str, str]:
    schemas = openapi_document()["components"]["schemas"]
    return {s["x-signalr-event"]: name for name, s in schemas.items() if "x-signalr-event" in s}


def assert_event_matches_openapi(target: str, payload: Any) -> None:
    """Validate a received event's argument against the schema the OpenAPI document declares for it."""
    assert target in _events(), f"event {target} is not documented (x-signalr-event) in the OpenAPI document"
    doc = openapi_document()
    registry = Registry().with_resource("urn:api", Resource.from_contents(doc, default_specification=DRAFT202012))
    validator = Draft202012Validator({"$ref": f"urn:api#/components/schemas/{_events()[target]}"}, registry=registry)
    errors = sorted(validator.iter_errors(payload), key=lambda e: list(e.path))
    assert not errors, f"{target}: " + "; ".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5])


def assert_progress_in_order(events: list[dict[str, Any]], job_id: str) -> None:
    """One job's AnalysisProgress events: only that job, never older than the one before, at most one final."""
    assert events, f"no AnalysisProgress event for {job_id}"
    for before, after in itertools.pairwise(events):
        assert before["status"] not in FINAL, f"an event after the final one: {after}"
        assert RANK.get(before["status"], 2) <= RANK.get(after["status"], 2), (before["status"], after["status"])
        assert before["checksCompleted"] <= after["checksCompleted"], (before, after)
        assert before["progressPercentage"] <= after["progressPercentage"], (before, after)
    for event in events:
        assert event["jobId"] == job_id, f"an event of {event['jobId']} reached a client of {job_id}"
        assert_event_matches_openapi("AnalysisProgress", event)
