"""The analyzer's watchdog: an analysis whose orchestration makes no progress is reported, not left `Running`.

An activity can hang past every timeout we set (a driver that ignores its login timeout, a worker stuck in a
call) and an engine can lose a completion; the job would then stay Running forever and keep its admission slot.
Progress is the later of the orchestration's `lastUpdatedTime` (every completed activity, fired timer or custom
status moves it) and the job row's `updated_at` (batches record their outcomes, steps are written as they start).
Deliberate waits are not stalls: while the custom status carries `waitUntil` (a job waiting on a durable timer for
its turn in the admission line) the deadline starts from that time, and the retry policy's own timers between
attempts (`RETRY_*`, used by the orchestrator) are added to every deadline.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from shared.analyzer.records import AnalysisJob
from shared.durable import utc_time

# The orchestrator's retry policy for its activities (`orchestrators/analysis.py` builds `df.RetryOptions` from these),
# here so that the watchdog never counts its waits between attempts as a stall.
RETRY_FIRST_INTERVAL_MS = 1000
RETRY_ATTEMPTS = 3
RETRY_WAITS = timedelta(milliseconds=RETRY_FIRST_INTERVAL_MS * (RETRY_ATTEMPTS - 1))
WAIT_UNTIL_KEY = "waitUntil"  # custom-status key: "waiting on purpose until this time" (ISO, UTC)
STALLED_STEP = "stalled"


def stall_reason(job: AnalysisJob, last_updated: Any, custom_status: Any, now: datetime,
                 timeout: timedelta) -> str | None:
    """Why the job counts as stalled, or None while it progresses, waits on purpose, or cannot be judged (no
    timestamp from the engine: decide nothing)."""
    orchestration = utc_time(last_updated)
    if not job.active or orchestration is None:
        return None
    row = utc_time(job.updated_at)
    progress = max(orchestration, row) if row else orchestration
    deadline = progress + timeout + RETRY_WAITS
    custom = custom_status if isinstance(custom_status, Mapping) else {}
    until = utc_time(custom.get(WAIT_UNTIL_KEY))
    if until is not None:
        deadline = max(deadline, until + timeout + RETRY_WAITS)
    if now <= deadline:
        return None
    step = str(custom.get("currentStep") or job.current_step or "unknown")
    return (f"stalled: the analysis made no progress for {int(timeout.total_seconds())} s (step '{step}', last "
            f"progress {progress.isoformat(timespec='seconds')}); its orchestration was stopped and its slot "
            "released; restart the job to run it again")
