"""HTTP API of the SQL Analyzer: start, status (with long-poll), report renderings, cancel, restart, list, catalog.

Start validates everything first (400 naming the field, nothing written), stores an ad-hoc connection string
encrypted, creates the job row, and starts `analysis_orchestrator` with instance id = job id and an input that holds
only a reference to the connection. Status reads the job row and the orchestration's custom status; a job whose
orchestration no longer exists (the local engine keeps instances in memory) is marked Failed "interrupted by a
host restart" on read, so it never stays Running forever, and `restart` runs it again under the same id.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from shared import secrets, settings
from shared.analyzer import admission, catalog, jobs
from shared.analyzer.connstr import ENGINES
from shared.analyzer.model import ANALYSIS_TYPES
from shared.analyzer.models import ACTIVE_STATUSES, STATUSES, AnalysisInput, AnalysisOptions, ConnectionRef
from shared.analyzer.render import FORMATS, render
from shared.analyzer.requests import StartRequest, parse_start_request
from shared.api.paging import int_param, parse_page
from shared.api.problems import bad_request, conflict, not_found
from shared.storage.db import Database, get_database
from triggers._http import api_handler, base_url, json_response, read_json_object

bp = df.Blueprint()
log = logging.getLogger(__name__)

ORCHESTRATOR = "analysis_orchestrator"
PENDING_GRACE = timedelta(seconds=20)  # a Pending row may briefly precede its orchestration
MAX_WAIT_SECONDS = 30
# Long-poll re-checks: the job row (one indexed read) often, so an ended job or a recorded batch is answered
# within ~0.1 s; the durable status (a storage read in Azure) less often, for steps only it carries.
ROW_RECHECK_SECONDS = 0.1
DURABLE_RECHECK_SECONDS = 0.5


# -- shared with the queue trigger and the monitoring API ---------------------------------------------------------
def links(base: str, job_id: str) -> dict[str, str]:
    return {"jobId": job_id, "statusUrl": f"{base}/api/v1/analysis/status/{job_id}",
            "reportUrl": f"{base}/api/v1/analysis/{job_id}/report"}


async def start_analysis(client: df.DurableOrchestrationClient, request: StartRequest, *, source: str,
                         job_id: str | None = None) -> str:
    """Store the secret, create the job row, start the orchestration (no connection to the target yet)."""
    db = get_database()
    secrets.purge_expired(db)
    job_id = job_id or jobs.new_job_id()
    secret_ref = secrets.store_secret(db, request.connection_string.reveal()) if request.connection_string else None
    jobs.create_job(db, job_id, analysis_type=request.analysis_type, engine=request.info.engine,
                    target=request.target, options=request.options, source=source, secret_ref=secret_ref,
                    connection_name=request.connection_name)
    admission.enqueue(db, job_id, admission.server_key(request.info.engine, request.target), request.priority)
    payload = AnalysisInput(job_id, request.analysis_type, ConnectionRef(secret_ref, request.connection_name),
                            request.options, request.priority)
    try:
        await client.start_new(ORCHESTRATOR, job_id, payload.to_json())
    except Exception:
        jobs.finish(db, job_id, "Failed", "the orchestration could not be started; see the host log")
        secrets.delete_secret(db, secret_ref)
        raise
    log.info("analysis %s started (%s, %s, %s)", job_id, request.info.engine, request.analysis_type, source)
    return job_id


async def reconcile(client: df.DurableOrchestrationClient, db: Database, row: dict[str, Any]) -> dict[str, Any]:
    """Make an active row agree with its orchestration; returns the (possibly updated) row and the live status."""
    if row["status"] not in ACTIVE_STATUSES:
        return row
    status = await client.get_status(row["job_id"])
    runtime = getattr(status, "runtime_status", None) if status else None
    if runtime is None:
        young = row["status"] == "Pending" and \
            datetime.fromisoformat(row["updated_at"]) > datetime.now(timezone.utc) - PENDING_GRACE
        if young:
            return row
        if jobs.finish(db, row["job_id"], "Failed", jobs.INTERRUPTED.replace("{jobId}", row["job_id"]),
                       step="interrupted"):
            secrets.expire_secret(db, row["secret_ref"],
                                  timedelta(hours=settings.analyzer_failed_secret_ttl_hours()))
            log.warning("analysis %s: orchestration not found; marked Failed (interrupted)", row["job_id"])
    elif runtime.value in ("Failed", "Terminated", "Canceled"):
        if jobs.finish(db, row["job_id"], "Failed", f"the orchestration ended as {runtime.value}; see the host log",
                       step="failed"):
            secrets.expire_secret(db, row["secret_ref"],
                                  timedelta(hours=settings.analyzer_failed_secret_ttl_hours()))
    else:
        row = dict(row, _live=status.custom_status if isinstance(status.custom_status, dict) else None)
        return row
    return jobs.get_job(db, row["job_id"]) or row


def status_of(row: dict[str, Any]) -> dict[str, Any]:
    return jobs.status_json(row, row.get("_live"))


def _job_id(req: func.HttpRequest) -> str:
    job_id = req.route_params.get("jobId", "")
    if not jobs.is_job_id(job_id):
        raise not_found(f"analysis job {job_id[:100]}")
    return job_id


def _job(db: Database, job_id: str) -> dict[str, Any]:
    row = jobs.get_job(db, job_id)
    if row is None:
        raise not_found(f"analysis job {job_id}")
    return row


# -- routes -------------------------------------------------------------------------------------------------------
@bp.route(route="v1/analysis/start", methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_handler
async def analysis_start(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    request = parse_start_request(read_json_object(req))
    job_id = await start_analysis(client, request, source="http")
    body = links(base_url(req), job_id)
    return json_response(body, 202, {"Location": body["statusUrl"], "Retry-After": "2"})


@bp.route(route="v1/analysis/status/{jobId}", methods=["GET"])
@bp.durable_client_input(client_name="client")
@api_handler
async def analysis_status(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """`?wait=N` (0-30 s) long-polls: answers as soon as status, step or progress changes, or after N seconds."""
    job_id = _job_id(req)
    wait = int_param(req.params, "wait", 0, 0, MAX_WAIT_SECONDS)
    db = get_database()
    row = _job(db, job_id)
    row_seen = _row_fingerprint(row)
    current = status_of(await reconcile(client, db, row))
    deadline = time.monotonic() + wait
    seen = _fingerprint(current)
    next_durable_read = time.monotonic() + DURABLE_RECHECK_SECONDS
    while current["status"] in ACTIVE_STATUSES and time.monotonic() < deadline:
        await asyncio.sleep(min(ROW_RECHECK_SECONDS, max(0.02, deadline - time.monotonic())))
        row = _job(db, job_id)
        row_now = _row_fingerprint(row)
        if row_now != row_seen or time.monotonic() >= next_durable_read:
            # The row moved (a batch recorded, the job ended) or it is time to look at the custom status.
            row_seen = row_now
            current = status_of(await reconcile(client, db, row))
            next_durable_read = time.monotonic() + DURABLE_RECHECK_SECONDS
            if _fingerprint(current) != seen:
                break
    return json_response(current)


def _fingerprint(status: dict[str, Any]) -> tuple[Any, ...]:
    return status["status"], status["checksCompleted"], status["currentStep"], status["checksTotal"]


def _row_fingerprint(row: dict[str, Any]) -> tuple[Any, ...]:
    return row["status"], row["checks_completed"], row["current_step"]


@bp.route(route="v1/analysis/{jobId}/report", methods=["GET"])
@api_handler
async def analysis_report(req: func.HttpRequest) -> func.HttpResponse:
    job_id = _job_id(req)
    fmt = (req.params.get("format") or "json").lower()
    if fmt not in FORMATS:
        raise bad_request("format", f"must be one of {', '.join(FORMATS)}")
    db = get_database()
    row = _job(db, job_id)
    if row["status"] != "Completed":
        raise conflict(f"analysis job {job_id} is {row['status']}; the report exists once it is Completed",
                       jobStatus=row["status"], statusUrl=links(base_url(req), job_id)["statusUrl"])
    report = jobs.get_report(db, job_id)
    if report is None:
        raise conflict(f"analysis job {job_id} has no stored report", jobStatus=row["status"])
    if fmt == "json":
        return json_response(report)
    body, media = render(report, fmt)
    return func.HttpResponse(body, status_code=200, mimetype=media, charset="utf-8")


@bp.route(route="v1/analysis/{jobId}/cancel", methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_handler
async def analysis_cancel(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    job_id = _job_id(req)
    db = get_database()
    row = _job(db, job_id)
    if row["status"] not in ACTIVE_STATUSES:
        raise conflict(f"analysis job {job_id} already ended as {row['status']}", jobStatus=row["status"])
    jobs.finish(db, job_id, "Canceled", "canceled by request", step="canceled")
    secrets.delete_secret(db, row["secret_ref"])
    try:
        await client.terminate(job_id, "canceled by request")
    except Exception as exc:  # noqa: BLE001 - the instance may already be gone; the row is what counts
        log.info("analysis %s: terminate after cancel: %s", job_id, type(exc).__name__)
    return json_response(status_of(_job(db, job_id)))


@bp.route(route="v1/analysis/{jobId}/restart", methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_handler
async def analysis_restart(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    job_id = _job_id(req)
    body = links(base_url(req), job_id)
    await restart_job(client, job_id)
    return json_response(body, 202, {"Location": body["statusUrl"]})


async def restart_job(client: df.DurableOrchestrationClient, job_id: str) -> None:
    """Run a Failed or Canceled job again under the same id (same URLs), if its connection is still available."""
    db = get_database()
    row = await reconcile(client, db, _job(db, job_id))
    if row["status"] not in ("Failed", "Canceled"):
        raise conflict(f"analysis job {job_id} is {row['status']}; only Failed or Canceled jobs can be restarted",
                       jobStatus=row["status"])
    if row["secret_ref"]:
        try:
            secrets.load_secret(db, row["secret_ref"])
        except (secrets.SecretNotFound, secrets.SecretKeyError):
            raise conflict(f"analysis job {job_id} cannot be restarted: its connection string is no longer stored "
                           "(deleted when the job ended, or expired); start a new analysis",
                           jobStatus=row["status"]) from None
    elif not settings.analyzer_named_connection(row["connection_name"] or ""):
        raise conflict(f"analysis job {job_id} cannot be restarted: connection '{row['connection_name']}' is no "
                       "longer configured", jobStatus=row["status"])
    if not jobs.reset_for_restart(db, job_id):
        raise conflict(f"analysis job {job_id} changed state meanwhile; try again")
    secrets.keep_secret(db, row["secret_ref"])
    payload = AnalysisInput(job_id, row["analysis_type"], ConnectionRef(row["secret_ref"], row["connection_name"]),
                            AnalysisOptions.from_json(json.loads(row["options_json"])))
    try:
        await client.start_new(ORCHESTRATOR, job_id, payload.to_json())
    except Exception:
        jobs.finish(db, job_id, "Failed", "the orchestration could not be restarted; see the host log")
        raise
    log.info("analysis %s restarted (attempt %s)", job_id, int(row["attempt"]) + 1)


@bp.route(route="v1/analysis", methods=["GET"])
@bp.durable_client_input(client_name="client")
@api_handler
async def analysis_list(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    status = req.params.get("status") or None
    if status is not None and status not in STATUSES:
        raise bad_request("status", f"must be one of {', '.join(STATUSES)}")
    page = parse_page(req.params)
    db = get_database()
    rows, total = jobs.list_jobs(db, status, page.offset, page.page_size)
    items = [status_of(await reconcile(client, db, row)) for row in rows]
    return json_response(page.envelope(items, total))


@bp.route(route="v1/analysis/checks", methods=["GET"])
@api_handler
async def analysis_checks(req: func.HttpRequest) -> func.HttpResponse:
    engine = req.params.get("engine") or None
    if engine is not None and engine not in ENGINES:
        raise bad_request("engine", f"must be one of {', '.join(ENGINES)}")
    analysis_type = req.params.get("analysisType") or None
    if analysis_type is not None and analysis_type not in ANALYSIS_TYPES:
        raise bad_request("analysisType", f"must be one of {', '.join(ANALYSIS_TYPES)}")
    items = [c.to_catalog_json() for c in catalog.all_checks()
             if (engine is None or c.engine == engine)
             and (analysis_type is None or analysis_type in c.analysis_types())]
    return json_response({"items": items, "total": len(items)})
