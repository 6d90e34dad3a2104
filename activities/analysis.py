"""Activities of the SQL Analyzer: plan, run one batch of checks, finalize.

Each one unpacks its payload, decrypts the connection at the last moment, does the work through `shared/`, and
returns counts only (findings are persisted here, per batch, so orchestration history stays small). Permanent
target errors (bad credentials, unknown database) are *returned* as failures so no retry happens; transient ones
raise, so the orchestrator's retry policy applies. Nothing here logs or returns a connection string.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict
from datetime import timedelta
from typing import Any

import azure.durable_functions as df

from shared import secrets, settings
from shared.analyzer import admission, catalog, connstr, jobs, planning, service
from shared.analyzer.model import CheckOutcome
from shared.analyzer.models import (
    AnalysisInput,
    BatchInput,
    BatchResult,
    ConnectionRef,
    FinalizeInput,
    Plan,
)
from shared.analyzer.records import AnalysisJob
from shared.analyzer.report import partial_reason_for, write_report
from shared.analyzer.requests import connection_problem
from shared.analyzer.runner import run_checks
from shared.analyzer.session import AnalysisSession, TargetError
from shared.memory import release_free_memory, return_large_blocks_to_the_os
from shared.realtime.publisher import publish_analysis_job  # real-time progress (best effort, never blocks)
from shared.status import JobStatus
from shared.storage.db import Database, get_database

bp = df.Blueprint()
log = logging.getLogger(__name__)


def _warm_up() -> None:
    """Load at import what the first job would otherwise load inside its clock: the YAML catalog (~0.25 s), every
    handler module with sqlglot (~0.2 s) and each dialect's linter tables. The Functions worker imports the app at
    start-up, so this is paid once per process before any job, never by a job."""
    from shared.analyzer import handlers
    from shared.analyzer.lint import lint_sql

    for check in catalog.all_checks():
        if check.handler:
            handlers.get(check.handler)
    for dialect in ("postgres", "mysql", "sqlite", "tsql"):
        lint_sql("SELECT * FROM t WHERE a = NULL", dialect)


_warm_up()
return_large_blocks_to_the_os()  # the worker's allocator, once: a check's freed text must not stay in the process


class ConnectionGone(Exception):
    """The stored connection string or the named setting no longer exists; retrying will not bring it back."""


def resolve_connection(db: Database, ref: ConnectionRef) -> secrets.SecretStr:
    """The connection string, checked again with the same parser and allow-lists as the start request: a named
    connection's app setting (or the allow-lists) may have changed since the job was accepted."""
    conn = _load_connection(db, ref)
    try:
        problem = connection_problem(connstr.analyse(conn.reveal()))
    except connstr.ConnectionStringError as exc:
        problem = str(exc).removeprefix("connectionString: ")
    if problem:
        raise ConnectionGone(f"the connection is no longer acceptable: {problem}")
    return conn


def _load_connection(db: Database, ref: ConnectionRef) -> secrets.SecretStr:
    if ref.secret_ref:
        try:
            return secrets.load_secret(db, ref.secret_ref)
        except secrets.SecretNotFound:
            raise ConnectionGone("the stored connection string no longer exists (it is deleted when a job ends "
                                 "and expires after a failure); start a new analysis") from None
        except secrets.SecretKeyError as exc:
            raise ConnectionGone(str(exc)) from None
    value = settings.analyzer_named_connection(ref.connection_name or "")
    if not value:
        raise ConnectionGone(f"no connection named '{ref.connection_name}' is configured any more")
    return secrets.SecretStr(value)


def _session(conn: secrets.SecretStr, timeout_s: int) -> AnalysisSession:
    return AnalysisSession(conn.reveal(), statement_timeout_s=timeout_s,
                           lock_timeout_ms=settings.analyzer_lock_timeout_ms())


def _active(db: Database, job_id: str) -> AnalysisJob | None:
    job = jobs.get_job(db, job_id)
    return job if job is not None and job.active else None


# -- plan --------------------------------------------------------------------------------------------------------
# Plan and finalize take a durable client: a slot they hand to another job (admission) is announced to that job's
# orchestration with an external event at once. The work itself is blocking, so it runs in a worker thread.
@bp.activity_trigger(input_name="payload", activity="analysis_plan")
@bp.durable_client_input(client_name="client")
async def analysis_plan(payload: dict[str, Any], client: df.DurableOrchestrationClient) -> dict[str, Any]:
    woken: list[str] = []
    try:
        result = await asyncio.to_thread(plan, get_database(), AnalysisInput.from_json(payload), woken)
    finally:  # slots granted before a connection error are still theirs: tell them now, not at their timer
        await service.wake(client, woken)
    return result.to_json()


def plan(db: Database, request: AnalysisInput, woken: list[str] | None = None) -> Plan:
    """Ask for a slot, then connect and plan. `woken` receives the other jobs this admission check gave a slot to
    (it hands out every free slot in line order), for the caller to wake."""
    job = _active(db, request.job_id)
    if job is None:
        return Plan.failed("the job is no longer active")
    admitted = admission.try_admit(db, request.job_id, admission.server_key(job.engine, job.target),
                                   request.priority, settings.analyzer_max_jobs_per_target(),
                                   settings.analyzer_max_jobs())
    if woken is not None:
        woken.extend(admitted.woken)
    if admitted.gone:
        return Plan.failed("the job is no longer active")
    if not admitted.granted:  # try_admit wrote the job's place in line as its step
        return Plan(False, None, waiting=admitted.step, ahead=admitted.waiting_ahead)
    jobs.mark_started(db, request.job_id, "connecting and planning")
    publish_analysis_job(db, request.job_id)
    timeout_s = request.options.timeout_seconds or settings.analyzer_statement_timeout_seconds()
    try:
        conn = resolve_connection(db, request.connection)
        with _session(conn, timeout_s) as session:
            assert session.server is not None
            object_count = session.object_count()
            server = {**session.server.to_json(), "objectCount": object_count, "statsSince": session.stats_since()}
    except ConnectionGone as exc:
        return Plan.failed(str(exc))
    except TargetError as exc:
        if exc.permanent:
            log.warning("analysis %s: %s (permanent, not retried)", request.job_id, exc)
            return Plan.failed(str(exc))
        log.warning("analysis %s: %s (will be retried)", request.job_id, exc)
        raise
    max_parallel = max(1, settings.analyzer_max_connections())
    check_plan = planning.plan_checks(
        engine=str(server["engine"]), flavor=str(server["flavor"]), version=str(server["version"]),
        object_count=object_count,
        analysis_type=request.analysis_type, options=request.options, max_objects=settings.analyzer_max_objects(),
        max_parallel=max_parallel,
        durations=jobs.last_durations(db, engine=job.engine, target=job.target, before_job=request.job_id))
    jobs.record_outcomes(db, request.job_id, [CheckOutcome(i, skipped=r) for i, r in check_plan.skipped])
    jobs.mark_running(db, request.job_id, checks_total=check_plan.total, server=server)
    publish_analysis_job(db, request.job_id)
    return Plan(True, None, check_plan.batches, check_plan.total, len(check_plan.skipped), max_parallel, timeout_s)


# -- run one batch -----------------------------------------------------------------------------------------------
@bp.activity_trigger(input_name="payload", activity="analysis_run_checks")
def analysis_run_checks(payload: dict[str, Any]) -> dict[str, Any]:
    return run_batch(get_database(), BatchInput.from_json(payload)).to_json()


def run_batch(db: Database, batch: BatchInput) -> BatchResult:
    job = _active(db, batch.job_id)
    if job is None:
        return BatchResult(True)  # canceled meanwhile: do not touch the target again
    checks = catalog.by_id()
    schemas = job.options.schemas
    try:
        conn = resolve_connection(db, batch.connection)

        def open_session() -> AnalysisSession:
            session = _session(conn, batch.timeout_seconds)
            session.open()
            return session

        def store(outcome: CheckOutcome) -> None:
            """Each check's findings go to the application database the moment the check ends (an upsert, so a
            retried batch stores them once): the batch never holds more than one check's findings."""
            jobs.record_outcomes(db, batch.job_id, [outcome])

        run = run_checks(open_session, [checks[i] for i in batch.check_ids], schemas or None,
                         reconnects=settings.analyzer_reconnect_attempts(),
                         reconnect_delay_s=settings.analyzer_reconnect_delay_ms() / 1000, on_outcome=store)
    except ConnectionGone as exc:
        return BatchResult(False, str(exc))
    except TargetError as exc:
        if exc.permanent:
            return BatchResult(False, str(exc))
        raise
    if run.reconnects:
        log.warning("analysis %s batch %s: connection lost, %d new session(s), %d check(s) still lost",
                    batch.job_id, batch.index, run.reconnects, run.lost)
    if run.reconnects:
        jobs.record_outcomes(db, batch.job_id, [], reconnects=run.reconnects)
    publish_analysis_job(db, batch.job_id)
    return BatchResult(True, None, len(run.outcomes), run.findings,
                       sum(1 for o in run.outcomes if o.skipped), run.reconnects, run.lost)


# -- finalize ----------------------------------------------------------------------------------------------------
@bp.activity_trigger(input_name="payload", activity="analysis_finalize")
@bp.durable_client_input(client_name="client")
async def analysis_finalize(payload: dict[str, Any], client: df.DurableOrchestrationClient) -> dict[str, Any]:
    db, request = get_database(), FinalizeInput.from_json(payload)
    woken: list[str] = []
    server = await asyncio.to_thread(admission.server_of, db, request.job_id)
    try:
        return await asyncio.to_thread(_finalize_then_release, db, request, woken)
    finally:
        await service.wake(client, woken)
        if server is not None:
            await asyncio.to_thread(admission.refresh_places, db, server)


def _finalize_then_release(db: Database, request: FinalizeInput, woken: list[str]) -> dict[str, Any]:
    """The slot is free once the job is final (completedAt written), so no two jobs of a server overlap; it goes
    to the next job in the same transaction (`woken`, for the caller to tell). Released even if finalize fails:
    the job no longer runs anything on its server."""
    try:
        return finalize(db, request)
    finally:
        woken.extend(admission.release(db, request.job_id, settings.analyzer_max_jobs_per_target(),
                                       settings.analyzer_max_jobs()))


def finalize(db: Database, request: FinalizeInput) -> dict[str, Any]:
    """Completed → report stored and secret deleted; Failed → secret kept for a restart until the TTL."""
    job = jobs.get_job(db, request.job_id)
    if job is None:
        return {"status": "missing"}
    if not job.active:  # already final (canceled, or a retried finalize): idempotent
        if job.status in (JobStatus.COMPLETED, JobStatus.CANCELED):
            secrets.delete_secret(db, job.secret_ref)
        return {"status": job.status.value}
    if request.error:
        jobs.finish(db, request.job_id, "Failed", secrets.redact(request.error)[:2000], step="failed")
        secrets.expire_secret(db, job.secret_ref, timedelta(hours=settings.analyzer_failed_secret_ttl_hours()))
        publish_analysis_job(db, request.job_id)
        return {"status": "Failed"}
    server = job.server
    completed_at = jobs.now_iso()
    heads = jobs.outcome_heads(db, request.job_id)
    partial_reason = partial_reason_for(heads, job.reconnects)
    report = write_report(asdict(job), server, heads,
                          lambda ids: jobs.iter_findings_json(db, request.job_id, ids), completed_at,
                          partial_reason=partial_reason)
    findings, score = report.findings, report.score
    jobs.save_report_text(db, request.job_id, report.stored, score=score, findings=findings)
    del report
    release_free_memory()  # the finalize thread's arena held the report's pages
    jobs.finish(db, request.job_id, "Completed", step="completed (partial)" if partial_reason else "completed",
                partial_reason=partial_reason)
    secrets.delete_secret(db, job.secret_ref)
    publish_analysis_job(db, request.job_id)
    return {"status": "Completed", "findings": findings, "score": score}
