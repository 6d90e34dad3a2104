"""Monitoring for both products (running / succeeded / failed jobs, timings, errors, manual retry, history and
stats, queues): the Hangfire dashboard's role, the Azure way.

The durable instance store is the source of truth for what runs (`get_status_all`, `get_status`), joined with the
products' own job tables for the business outcome (`shared.monitoring`). Retry dispatches to each product's own
retry so their rules (409s, idempotency, secrets) apply unchanged. Active rows are first reconciled with the
products' own `reconcile` functions, so a job lost to a host restart shows Failed here too. The dashboard page is
anonymous and holds no data: it calls this API with a function key the user types in once.
"""
from __future__ import annotations

import asyncio
import re
import threading
from datetime import datetime, timezone
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from shared import settings
from shared.analyzer import service as analysis_service
from shared.api.paging import parse_page
from shared.api.problems import bad_request, conflict, not_found
from shared.durable import runtime_name
from shared.monitoring import jobs as monitoring_jobs
from shared.monitoring import service as monitoring
from shared.monitoring.catalog import BY_TYPE, JOB_STATUSES, PRODUCT_ALIASES, scan_id_of_act, type_of_instance
from shared.monitoring.page import DASHBOARD_HTML
from shared.monitoring.redaction import redact_value
from shared.monitoring.store import load_record
from shared.monitoring.summary import JobSummary, summarize
from shared.policies import service as policy_service
from shared.status import ACTIVE_STATUSES
from shared.storage.db import get_database
from triggers._http import api_handler, base_url, json_response

bp = df.Blueprint()

JOB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:_\-]{0,199}$")
QUEUE_TIMEOUT_SECONDS = 5


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _types_param(req: func.HttpRequest) -> set[str]:
    kind = req.params.get("type") or None
    product = req.params.get("product") or None
    if kind is not None and kind not in BY_TYPE:
        raise bad_request("type", f"must be one of {', '.join(BY_TYPE)}")
    if product is not None and product not in PRODUCT_ALIASES:
        raise bad_request("product", f"must be one of {', '.join(PRODUCT_ALIASES)} (or use type)")
    chosen = {kind} if kind else set(BY_TYPE)
    if product:
        chosen &= {PRODUCT_ALIASES[product]}
    return chosen


def _job_id(req: func.HttpRequest) -> str:
    job_id = req.route_params.get("id", "")
    if not JOB_ID.match(job_id):
        raise bad_request("id", "a job id is letters, digits, ':', '_' or '-' (at most 200)")
    return job_id


# -- routes -------------------------------------------------------------------------------------------------------
@bp.route(route="v1/jobs", methods=["GET"])
@bp.durable_client_input(client_name="client")
@api_handler
async def jobs_list(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    types = _types_param(req)
    status = req.params.get("status") or None
    if status is not None and status not in JOB_STATUSES:
        raise bad_request("status", f"must be one of {', '.join(JOB_STATUSES)}")
    page = parse_page(req.params)
    search = req.params.get("search") or None
    cursor = req.params.get("cursor") or None
    try:
        after = monitoring.decode_cursor(cursor) if cursor else None
    except ValueError as exc:
        raise bad_request("cursor", f"{exc}; pass the nextCursor of a previous answer, or use page") from None
    found = await monitoring.list_jobs(client, types, status, page.offset, page.page_size, _now(), search, after)
    base = base_url(req)
    body = page.envelope([j.to_json(base) for j in found.jobs], found.total)
    body["counts"] = found.counts
    body["orchestrations"] = found.orchestrations
    body["nextCursor"] = found.next_cursor
    return json_response(body)


@bp.route(route="v1/jobs/stats", methods=["GET"])
@bp.durable_client_input(client_name="client")
@api_handler
async def jobs_stats(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    now = _now()
    body, queues = await asyncio.gather(monitoring.stats(client, now), monitoring.queue_depths(_queue_depths))
    body["queues"] = queues
    body["generatedAt"] = now.isoformat()
    return json_response(body)


@bp.route(route="v1/jobs/history", methods=["GET"])
@api_handler
async def jobs_history(req: func.HttpRequest) -> func.HttpResponse:
    days = await monitoring.daily_history(_now())
    return json_response({"days": [d.to_json() for d in days]})


@bp.route(route="v1/jobs/{id}", methods=["DELETE"])
@bp.durable_client_input(client_name="client")
@api_handler
async def jobs_delete(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Delete an ended analysis job (rows and engine history). Scans and act runs are the Policy Enforcer's audit
    trail (violations, issues opened, action log): they are kept, and their delete answers 409."""
    job_id = _job_id(req)
    job, _ = await _find_job(client, job_id)
    if job.type != "analysis":
        raise conflict(f"{job.type} {job_id} is part of the Policy Enforcer's audit trail and is kept; "
                       "only analysis jobs can be deleted", jobType=job.type)
    await analysis_service.delete(client, job_id)
    return func.HttpResponse(status_code=204)


@bp.route(route="v1/jobs/{id}", methods=["GET"])
@bp.durable_client_input(client_name="client")
@api_handler
async def jobs_get(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    job_id = _job_id(req)
    summary, status = await _find_job(client, job_id, history=True)
    body = summary.to_json(base_url(req))
    output = getattr(status, "output", None) if status else None
    body["output"] = redact_value(output)
    events = (getattr(status, "history", None) or getattr(status, "historyEvents", None)) if status else None
    body["history"] = monitoring_jobs.compact_history(events)
    return json_response(body)


async def _find_job(client: df.DurableOrchestrationClient, job_id: str,
                    history: bool = False) -> tuple[JobSummary, Any]:
    """The job and its durable status (None when the engine no longer has it); 404 when neither side knows it."""
    status = await client.get_status(job_id, show_history=history)
    found = status if runtime_name(status) is not None else None
    job_type = type_of_instance(getattr(found, "name", None) if found else None, job_id)
    if job_type is None:
        raise not_found(f"job {job_id}")
    record = await asyncio.to_thread(load_record, get_database(), job_type.type, job_id)
    if record is not None and record.status in ACTIVE_STATUSES and job_type.type == "analysis":
        await analysis_service.reconcile(client, await analysis_service.load(job_id))
        record = await asyncio.to_thread(load_record, get_database(), job_type.type, job_id)
    if found is None and record is None:
        raise not_found(f"job {job_id}")
    return summarize(job_type, monitoring.instance_payload(found), record, _now()), found


@bp.route(route="v1/jobs/{id}/retry", methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_handler
async def jobs_retry(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Dispatch to the product's own retry: an analysis restarts under its id, a scan starts again as a new scan
    with the same request, an act step gets a new attempt `<scanId>:act:<n>`."""
    job_id = _job_id(req)
    job, _ = await _find_job(client, job_id)
    if not job.finished:
        raise conflict(f"job {job_id} is {job.status}; retry it once it has ended (or cancel it)",
                       jobStatus=job.status)
    if job.type == "analysis":
        await analysis_service.restart(client, job_id)
        new_id = job_id
    elif job.type == "scan":
        new_id = await policy_service.rerun_scan(client, job_id)
    else:
        new_id = await policy_service.retry_act(client, job.scan_id or scan_id_of_act(job_id))
    base = base_url(req)
    job_type = BY_TYPE[job.type]
    status_path = job_type.status_path.replace("{id}", new_id).replace("{scanId}", scan_id_of_act(new_id))
    links = {"self": f"{base}/api/v1/jobs/{new_id}", "status": f"{base}{status_path}"}
    body = {"id": new_id, "type": job.type, "product": job_type.product, "retryOf": job_id,
            "statusUrl": f"{base}{status_path}", "links": links}
    return json_response(body, 202, {"Location": links["self"]})


@bp.route(route="v1/servers", methods=["GET"])
@api_handler
async def servers_get(req: func.HttpRequest) -> func.HttpResponse:
    view, queues = await asyncio.gather(monitoring.servers(_now()), monitoring.queue_depths(_queue_depths))
    body = view.to_json()
    body["queues"] = queues
    body["generatedAt"] = _now().isoformat()
    return json_response(body)


@bp.timer_trigger(arg_name="timer", schedule="*/30 * * * * *", run_on_startup=False, use_monitor=False)
def servers_heartbeat(timer: func.TimerRequest) -> None:
    """Every 30 s the instance holding the timer records that it is alive (the Servers page)."""
    monitoring.heartbeat(_now())


# -- queues -------------------------------------------------------------------------------------------------------
def _queue_names() -> list[str]:
    """The storage queues that feed jobs, each with the poison queue the host moves failing messages to."""
    queues = (settings.analysis_queue(), settings.policy_act_queue())
    return [name for queue in queues for name in (queue, f"{queue}-poison")]


_queue_clients: dict[tuple[str, str], Any] = {}
_queue_clients_lock = threading.Lock()


def _queue_client(connection: str, name: str) -> Any:
    """One client per queue for the process: building a client (its pipeline and connection pool) cost ~10 ms a
    queue, four per stats request, far more than the round trip it makes on a kept-alive connection."""
    from azure.storage.queue import QueueClient

    with _queue_clients_lock:
        client = _queue_clients.get((connection, name))
        if client is None:
            client = _queue_clients[(connection, name)] = QueueClient.from_connection_string(
                connection, name, retry_total=0, connection_timeout=QUEUE_TIMEOUT_SECONDS,
                read_timeout=QUEUE_TIMEOUT_SECONDS)
        return client


def _queue_depth(name: str) -> dict[str, Any]:
    """Approximate message count of one queue; a queue not created yet is empty, an unreachable account is reported
    without its connection string."""
    from azure.core.exceptions import ResourceNotFoundError

    entry: dict[str, Any] = {"name": name, "poison": name.endswith("-poison"), "depth": 0, "exists": True}
    try:
        client = _queue_client(settings.storage_connection(), name)
        entry["depth"] = int(client.get_queue_properties().approximate_message_count or 0)
    except ResourceNotFoundError:
        entry["exists"] = False
    except Exception as exc:  # noqa: BLE001 - storage down must not break the stats page
        entry.update(depth=None, exists=None, error=f"storage unavailable ({type(exc).__name__})")
    return entry


async def _queue_depths() -> list[dict[str, Any]]:
    """Every job queue and its poison queue, read at once (each read is a storage round trip)."""
    return list(await asyncio.gather(*(asyncio.to_thread(_queue_depth, name) for name in _queue_names())))


# -- the dashboard page -------------------------------------------------------------------------------------------
@bp.route(route="dashboard", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def dashboard(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(DASHBOARD_HTML, mimetype="text/html", charset="utf-8",
                             headers={"Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; "
                                      "style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'; "
                                      "frame-ancestors 'none'",
                                      "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})

