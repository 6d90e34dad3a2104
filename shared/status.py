"""The lifecycle every job of both products shares (an analysis job, a scan, an act run), stated once.

Rows store the plain strings; `JobStatus` is a `StrEnum`, so a record's status compares equal to them and
serialises as them, and the OpenAPI enums stay unchanged.
"""
from __future__ import annotations

from enum import StrEnum


class JobStatus(StrEnum):
    PENDING = "Pending"
    RUNNING = "Running"
    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELED = "Canceled"


# A job in one of these has (or is about to have) an orchestration working on it; anything else has ended.
ACTIVE_STATUSES: frozenset[JobStatus] = frozenset({JobStatus.PENDING, JobStatus.RUNNING})
# The same set as a SQL list, for the store modules' conditional updates (`... AND status IN <this>`).
ACTIVE_SQL = "(" + ", ".join(f"'{s.value}'" for s in sorted(ACTIVE_STATUSES)) + ")"


def is_active(status: str | None) -> bool:
    return status in ACTIVE_STATUSES
