"""The SQL Analyzer's use cases: start, status (with long-poll), cancel, restart, reconcile, list.

HTTP, queue and monitoring triggers call these and only translate in and out. A use case takes the narrow durable
client Protocol it needs (`shared.durable`), returns records (`AnalysisJob`, `JobView`) and refuses with domain
errors (`shared.errors`). Database work runs in a worker thread (`asyncio.to_thread`), so a slow application
database never stalls the event loop the triggers share.

A job whose orchestration no longer exists (the local engine keeps instances in memory) is marked Failed
"interrupted by a host restart" when observed, and one whose orchestration shows no progress for
`ANALYZER_STALL_TIMEOUT_SECONDS` is marked Failed "stalled: ..." and its orchestration terminated
(`shared.analyzer.watchdog`), so it never stays Running forever; `restart` runs either again under the same id.
"""
from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from shared import secrets, settings
from shared.analyzer import admission, jobs, packing, watchdog
from shared.analyzer.connections import NamedConnection, named_connections
from shared.analyzer.models import ADMITTED_EVENT, AnalysisInput, ConnectionRef
from shared.analyzer.records import AnalysisJob, JobView, live_progress
from shared.analyzer.requests import StartRequest
from shared.analyzer.target_history import TargetHistory, group
from shared.durable import Controller, EventRaiser, Purger, Starter, StatusReader, runtime_name
from shared.errors import Conflict, NotFound
from shared.status import ACTIVE_STATUSES, JobStatus
from shared.storage.db import Database, get_database
from shared.storage.group_commit import GroupCommitter

log = logging.getLogger(__name__)

ORCHESTRATOR = "analysis_orchestrator"
PENDING_GRACE = timedelta(seconds=20)  # a Pending row may briefly precede its orchestration
MAX_WAIT_SECONDS = 30
# Long-poll re-checks: the job row (one indexed read) often, so an ended job or a recorded batch is answered
# within ~0.1 s; the durable status (a storage read in Azure) less often, for steps only it carries.
ROW_RECHECK_SECONDS = 0.1
DURABLE_RECHECK_SECONDS = 0.5
RESTARTABLE = frozenset({JobStatus.FAILED, JobStatus.CANCELED})


def _db() -> Database:
    return get_database()


async def load(job_id: str) -> AnalysisJob:
    job = await asyncio.to_thread(jobs.get_job, _db(), job_id)
    if job is None:
        raise NotFound(f"analysis job {job_id}")
    return job


# -- start -------------------------------------------------------------------------------------------------------
PURGE_EVERY_SECONDS = 60.0  # expired secrets are unusable at once (`load_secret`); deleting them can wait a minute
_purge_lock = threading.Lock()
_purged_at = [float("-inf")]


def _purge_due() -> bool:
    """True at most once a minute per process: a DELETE on every start made each start a second write."""
    with _purge_lock:
        if time.monotonic() - _purged_at[0] < PURGE_EVERY_SECONDS:
            return False
        _purged_at[0] = time.monotonic()
        return True


def _creator(request: StartRequest, source: str, job_id: str) -> Callable[[Database], str | None]:
    """The start's writes: the encrypted secret, the job row and its admission entry. They run inside a transaction
    shared with the starts that arrive at the same time (`_starts`), so a burst pays one commit per batch, not one
    per start; run again alone if the shared transaction fails."""
    def create(db: Database) -> str | None:
        secret_ref = secrets.store_secret(db, request.connection_string.reveal()) \
            if request.connection_string else None
        jobs.create_job(db, job_id, analysis_type=request.analysis_type, engine=request.info.engine,
                        target=request.target, options=request.options, source=source, secret_ref=secret_ref,
                        connection_name=request.connection_name)
        admission.enqueue(db, job_id, admission.server_key(request.info.engine, request.target), request.priority)
        return secret_ref
    return create


_starts = GroupCommitter(_db)


def _abandon(job_id: str, secret_ref: str | None, error: str) -> None:
    db = _db()
    jobs.finish(db, job_id, JobStatus.FAILED, error)
    secrets.delete_secret(db, secret_ref)


async def start(client: Starter, request: StartRequest, *, source: str, job_id: str | None = None) -> str:
    """Store the secret, create the job row, start the orchestration (no connection to the target yet)."""
    job_id = job_id or jobs.new_job_id()
    if _purge_due():
        await asyncio.to_thread(secrets.purge_expired, _db())
    secret_ref = await _starts.run(_creator(request, source, job_id))
    payload = AnalysisInput(job_id, request.analysis_type, ConnectionRef(secret_ref, request.connection_name),
                            request.options, request.priority)
    try:
        await client.start_new(ORCHESTRATOR, job_id, payload.to_json())
    except Exception:
        await asyncio.to_thread(_abandon, job_id, secret_ref,
                                "the orchestration could not be started; see the host log")
        raise
    log.info("analysis %s started (%s, %s, %s)", job_id, request.info.engine, request.analysis_type, source)
    return job_id


async def start_from_queue(client: Starter, request: StartRequest, message_id: str) -> str:
    """Start once per storage message: a redelivered message returns the job its first delivery started."""
    db = _db()
    job_id = jobs.new_job_id()
    earlier = await asyncio.to_thread(jobs.claim_queue_message, db, message_id, job_id)
    if earlier is not None:
        log.info("queue message %s was already handled: job %s", message_id, earlier)
        return earlier
    try:
        await start(client, request, source="queue", job_id=job_id)
    except Exception:
        await asyncio.to_thread(jobs.release_queue_message, db, message_id, job_id)
        raise
    return job_id


# -- reconcile and status ----------------------------------------------------------------------------------------
def _mark_failed(job: AnalysisJob, error: str, step: str) -> AnalysisJob:
    db = _db()
    if jobs.finish(db, job.job_id, JobStatus.FAILED, error, step=step):
        secrets.expire_secret(db, job.secret_ref, timedelta(hours=settings.analyzer_failed_secret_ttl_hours()))
        log.warning("analysis %s: %s; marked Failed", job.job_id, error)
    return jobs.get_job(db, job.job_id) or job


async def reconcile(client: StatusReader, job: AnalysisJob) -> JobView:
    """Make an active job agree with its orchestration: a lost or crashed orchestration fails the job; a live one
    contributes its custom status (progress fresher than the row)."""
    if not job.active:
        return JobView(job)
    status = await client.get_status(job.job_id)
    runtime = runtime_name(status)
    if runtime is None:
        young = job.status == JobStatus.PENDING and \
            datetime.fromisoformat(job.updated_at) > datetime.now(timezone.utc) - PENDING_GRACE
        if young:
            return JobView(job)
        error = jobs.INTERRUPTED.replace("{jobId}", job.job_id)
        return JobView(await asyncio.to_thread(_mark_failed, job, error, "interrupted"))
    if runtime in ("Failed", "Terminated", "Canceled"):
        error = f"the orchestration ended as {runtime}; see the host log"
        return JobView(await asyncio.to_thread(_mark_failed, job, error, "failed"))
    custom = getattr(status, "custom_status", None)
    stalled = watchdog.stall_reason(job, getattr(status, "last_updated_time", None), custom,
                                    datetime.now(timezone.utc),
                                    timedelta(seconds=settings.analyzer_stall_timeout_seconds()))
    if stalled:
        # Failed first (the row is what counts), its slot handed on, then the orchestration stopped.
        failed, woken = await asyncio.to_thread(_mark_stalled, job, stalled)
        if hasattr(client, "raise_event"):
            await wake(client, woken)  # type: ignore[arg-type]  # every durable client raises events
        await _terminate_quietly(client, job.job_id, stalled)
        return JobView(failed)
    return JobView(job, live_progress(custom))


def _mark_stalled(job: AnalysisJob, reason: str) -> tuple[AnalysisJob, list[str]]:
    """Failed as stalled, and out of the line at once: its slot goes to the next job now (the terminated
    orchestration will never reach its finalize to release it). Returns the record and the jobs given a slot."""
    failed = _mark_failed(job, reason, watchdog.STALLED_STEP)
    db = _db()
    server = admission.server_of(db, job.job_id)
    woken = admission.release(db, job.job_id, settings.analyzer_max_jobs_per_target(), settings.analyzer_max_jobs())
    if server is not None:
        admission.refresh_places(db, server)
    return failed, woken


async def _terminate_quietly(client: StatusReader, job_id: str, reason: str) -> None:
    terminate = getattr(client, "terminate", None)  # every durable client has it; a bare status reader may not
    if terminate is None:
        return
    try:
        await terminate(job_id, reason)
    except Exception as exc:  # noqa: BLE001 - ended meanwhile: the row is failed all the same
        log.info("analysis %s: terminate after a stall: %s", job_id, type(exc).__name__)


async def status(client: StatusReader, job_id: str, wait_seconds: int = 0) -> JobView:
    """The job's status; with `wait_seconds` > 0, answers as soon as status, step or progress changes, or after
    that many seconds (long-poll). The waiting is `asyncio.sleep`, never a blocked thread."""
    job = await load(job_id)
    row_seen = _row_fingerprint(job)
    current = await reconcile(client, job)
    deadline = time.monotonic() + wait_seconds
    seen = current.fingerprint()
    next_durable_read = time.monotonic() + DURABLE_RECHECK_SECONDS
    while current.job.active and time.monotonic() < deadline:
        await asyncio.sleep(min(ROW_RECHECK_SECONDS, max(0.02, deadline - time.monotonic())))
        job = await load(job_id)
        row_now = _row_fingerprint(job)
        if row_now != row_seen or time.monotonic() >= next_durable_read:
            # The row moved (a batch recorded, the job ended) or it is time to look at the custom status.
            row_seen = row_now
            current = await reconcile(client, job)
            next_durable_read = time.monotonic() + DURABLE_RECHECK_SECONDS
            if current.fingerprint() != seen:
                break
    return current


def _row_fingerprint(job: AnalysisJob) -> tuple[object, ...]:
    return job.status, job.checks_completed, job.current_step


async def list_jobs(client: StatusReader, status_filter: str | None, offset: int,
                    limit: int) -> tuple[list[JobView], int]:
    """One page of jobs, newest first; only the page's active jobs are reconciled with the engine."""
    found, total = await asyncio.to_thread(jobs.list_jobs, _db(), status_filter, offset, limit)
    return [await reconcile(client, job) for job in found], total


async def reconcile_active(client: StatusReader) -> int:
    """Reconcile every active job (monitoring calls this so that lost jobs stop counting as running); returns how
    many are still active."""
    active = await asyncio.to_thread(jobs.active_jobs, _db())
    views = [await reconcile(client, job) for job in active]
    return sum(1 for v in views if v.job.active)


# -- report ------------------------------------------------------------------------------------------------------
async def report(job_id: str) -> tuple[AnalysisJob, dict[str, Any]]:
    """The job and its stored report; Conflict while the job has not completed."""
    job, text = await report_text(job_id)
    return job, await asyncio.to_thread(json.loads, text)


async def report_text(job_id: str) -> tuple[AnalysisJob, str]:
    """The job and its stored report as JSON text (the JSON rendering, served without a decode/encode round)."""
    job, stored = await report_stored(job_id)
    return job, await asyncio.to_thread(packing.unpack, stored)


async def report_stored(job_id: str) -> tuple[AnalysisJob, str]:
    """The job and its report as stored (plain JSON or packed, see `packing`): a large report can then go to a
    client that accepts gzip as the stored bytes, never decompressed in the host."""
    job = await load(job_id)
    if job.status != JobStatus.COMPLETED:
        raise Conflict(f"analysis job {job_id} is {job.status}; the report exists once it is Completed",
                       jobStatus=job.status.value)
    stored = await asyncio.to_thread(jobs.get_report_stored, _db(), job_id)
    if stored is None:
        raise Conflict(f"analysis job {job_id} has no stored report", jobStatus=job.status.value)
    return job, stored


# -- cancel and restart ------------------------------------------------------------------------------------------
def _cancel_row(job: AnalysisJob) -> list[str]:
    """Canceled, and out of the line: a waiting job's place, or a running job's slot, goes to the next job now (the
    terminated orchestration will never reach its finalize to release it)."""
    db = _db()
    jobs.finish(db, job.job_id, JobStatus.CANCELED, "canceled by request", step="canceled")
    secrets.delete_secret(db, job.secret_ref)
    server = admission.server_of(db, job.job_id)
    woken = admission.release(db, job.job_id, settings.analyzer_max_jobs_per_target(), settings.analyzer_max_jobs())
    if server is not None:
        admission.refresh_places(db, server)
    return woken


async def wake(client: EventRaiser, job_ids: list[str] | tuple[str, ...]) -> None:
    """Tell the orchestrations of jobs just given a slot (`admission.release`/`try_admit`) that their turn came.

    Best effort by design: the grant is already committed, so an event that cannot be delivered (the instance is
    not created yet, the engine is briefly unreachable, this process dies now) only delays the job until its first
    plan or its fallback timer, which find the slot theirs. An event reaching a job that no longer waits is ignored.
    """
    async def one(job_id: str) -> None:
        try:
            await client.raise_event(job_id, ADMITTED_EVENT, None)
        except Exception as exc:  # noqa: BLE001 - see above: the fallback timer covers it
            log.info("analysis %s: admission event not delivered (%s); its timer will find the slot",
                     job_id, type(exc).__name__)

    await asyncio.gather(*(one(job_id) for job_id in job_ids))


async def cancel(client: Controller, job_id: str) -> JobView:
    """Canceled at once (the row is what counts); the orchestration is terminated after."""
    job = await load(job_id)
    if not job.active:
        raise Conflict(f"analysis job {job_id} already ended as {job.status}", jobStatus=job.status.value)
    woken = await asyncio.to_thread(_cancel_row, job)
    await wake(client, woken)
    try:
        await client.terminate(job_id, "canceled by request")
    except Exception as exc:  # noqa: BLE001 - the instance may already be gone; the row is what counts
        log.info("analysis %s: terminate after cancel: %s", job_id, type(exc).__name__)
    return JobView(await load(job_id))


def _prepare_restart(job: AnalysisJob) -> None:
    db = _db()
    if job.secret_ref:
        try:
            secrets.load_secret(db, job.secret_ref)
        except (secrets.SecretNotFound, secrets.SecretKeyError):
            raise Conflict(f"analysis job {job.job_id} cannot be restarted: its connection string is no longer "
                           "stored (deleted when the job ended, or expired); start a new analysis",
                           jobStatus=job.status.value) from None
    elif not settings.analyzer_named_connection(job.connection_name or ""):
        raise Conflict(f"analysis job {job.job_id} cannot be restarted: connection '{job.connection_name}' is no "
                       "longer configured", jobStatus=job.status.value)
    if not jobs.reset_for_restart(db, job.job_id):
        raise Conflict(f"analysis job {job.job_id} changed state meanwhile; try again")
    secrets.keep_secret(db, job.secret_ref)


async def restart(client: Starter, job_id: str) -> None:
    """Run a Failed or Canceled job again under the same id (same URLs), if its connection is still available."""
    job = (await reconcile(client, await load(job_id))).job
    if job.status not in RESTARTABLE:
        raise Conflict(f"analysis job {job_id} is {job.status}; only Failed or Canceled jobs can be restarted",
                       jobStatus=job.status.value)
    await asyncio.to_thread(_prepare_restart, job)
    payload = AnalysisInput(job_id, job.analysis_type, ConnectionRef(job.secret_ref, job.connection_name),
                            job.options)
    try:
        await client.start_new(ORCHESTRATOR, job_id, payload.to_json())
    except Exception:
        await asyncio.to_thread(jobs.finish, _db(), job_id, JobStatus.FAILED,
                                "the orchestration could not be restarted; see the host log")
        raise
    log.info("analysis %s restarted (attempt %s)", job_id, job.attempt + 1)


def connections() -> list[NamedConnection]:
    """The configured named connections, described without secrets (what a start request may name)."""
    return named_connections()


async def history(targets: int = 20, runs_per_target: int = 30) -> list[TargetHistory]:
    """The most recently analysed targets with their completed jobs' scores, newest first."""
    rows = await asyncio.to_thread(jobs.history_runs, _db(), targets=targets, runs_per_target=runs_per_target)
    return group(rows)


def _delete_rows(job: AnalysisJob) -> None:
    db = _db()
    secrets.delete_secret(db, job.secret_ref)
    jobs.delete_job(db, job.job_id)


async def delete(client: Purger, job_id: str) -> None:
    """Delete an ended job: its rows (report, outcomes, stored secret) and the engine's history of it. A job that
    is Pending or Running is refused: cancel it first."""
    job = (await reconcile(client, await load(job_id))).job
    if job.status in ACTIVE_STATUSES:
        raise Conflict(f"analysis job {job_id} is {job.status}; cancel it before deleting it",
                       jobStatus=job.status.value)
    await client.purge_instance_history(job_id)
    await asyncio.to_thread(_delete_rows, job)
    log.info("analysis %s deleted", job_id)
