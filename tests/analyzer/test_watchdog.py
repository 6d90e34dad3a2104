"""The analyzer's watchdog decides with fixed clocks: no progress past the timeout is a stall; progress in the
orchestration or in the job row, a deliberate wait (`waitUntil`) and the retry policy's timers are not; an ended job
or a status without a timestamp is never judged."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from shared.analyzer import watchdog
from shared.analyzer.records import AnalysisJob
from shared.status import JobStatus

NOW = datetime(2026, 12, 5, 12, 0, 0, tzinfo=timezone.utc)
TIMEOUT = timedelta(minutes=30)
SLACK = watchdog.RETRY_WAITS


def _job(updated: datetime, status: JobStatus = JobStatus.RUNNING, step: str = "connecting and planning") -> AnalysisJob:
    return AnalysisJob(job_id="analysis-" + "a" * 32, status=status, analysis_type="quick", engine="sqlite",
                       target="shop.db", connection_name=None, secret_ref=None, options_json="{}", source="http",
                       attempt=1, created_at=(NOW - timedelta(hours=5)).isoformat(), updated_at=updated.isoformat(),
                       started_at=None, completed_at=None, checks_total=0, checks_completed=0, current_step=step,
                       server_json=None, error=None)


def _reason(job: AnalysisJob, orchestration: datetime | str | None, custom: dict[str, Any] | None = None) -> str | None:
    return watchdog.stall_reason(job, orchestration, custom, NOW, TIMEOUT)


def test_no_progress_past_the_timeout_is_a_stall_naming_the_step() -> None:
    last = NOW - TIMEOUT - SLACK - timedelta(seconds=1)
    reason = _reason(_job(last), last, {"currentStep": "running checks (2 of 5 batches)"})
    assert reason is not None and reason.startswith("stalled:")
    assert "1800 s" in reason and "running checks (2 of 5 batches)" in reason


def test_progress_within_the_timeout_or_the_retry_waits_is_not_a_stall() -> None:
    assert _reason(_job(NOW - timedelta(minutes=10)), NOW - timedelta(minutes=10)) is None
    just_inside = NOW - TIMEOUT - SLACK
    assert _reason(_job(just_inside), just_inside) is None


def test_a_recent_row_update_counts_as_progress_when_the_orchestration_is_quiet() -> None:
    # A long batch records its outcomes in the row; the orchestration itself moves only when the batch ends.
    assert _reason(_job(NOW - timedelta(minutes=1)), NOW - timedelta(hours=3)) is None
    assert _reason(_job(NOW - timedelta(hours=3)), NOW - timedelta(minutes=1)) is None


def test_a_deliberate_wait_pushes_the_deadline_past_its_end() -> None:
    long_ago = NOW - timedelta(hours=2)
    waiting = {"currentStep": "waiting for sqlite:shop.db (3 ahead)",
               watchdog.WAIT_UNTIL_KEY: (NOW - timedelta(minutes=5)).isoformat()}
    assert _reason(_job(long_ago, JobStatus.PENDING), long_ago, waiting) is None
    ended_long_ago = {**waiting, watchdog.WAIT_UNTIL_KEY: (NOW - timedelta(hours=1)).isoformat()}
    assert _reason(_job(long_ago, JobStatus.PENDING), long_ago, ended_long_ago) is not None


def test_ended_jobs_and_missing_timestamps_are_never_judged() -> None:
    long_ago = NOW - timedelta(days=2)
    for status in (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELED):
        assert _reason(_job(long_ago, status), long_ago) is None
    assert _reason(_job(long_ago), None) is None
    assert _reason(_job(long_ago), "not a time") is None


def test_engine_timestamps_without_a_zone_or_with_z_are_read_as_utc() -> None:
    last = NOW - timedelta(hours=1)
    assert _reason(_job(last), last.replace(tzinfo=None)) is not None
    assert _reason(_job(last), last.isoformat().replace("+00:00", "Z")) is not None
    assert _reason(_job(last), (NOW - timedelta(seconds=5)).replace(tzinfo=None)) is None
