"""HTTP side of real-time progress: `negotiate` (the SignalR redirect) and subscribing a connection to a job.

SignalR clients given the app's `/api` as hub URL call `POST /api/negotiate`; the answer redirects them to Azure
SignalR Service (the local emulator here) with a token of their own. Each negotiation gets a fresh user id, and the
app puts that user in the groups it asked for (`?jobId=`, `?dashboard=true`) before answering, so a client receives
only the jobs it asked for, and a reconnect (which negotiates again) lands back in the same groups. A connection
can also join a job later (`POST /api/v1/analysis/{jobId}/subscribe {connectionId}`). All calls to the service
block, so they run in a worker thread.
"""
from __future__ import annotations

import asyncio
import logging
import time
import uuid

import azure.durable_functions as df
import azure.functions as func

from shared.analyzer import jobs
from shared.api.problems import FieldError, Problem, bad_request, not_found
from shared.monitoring.store import load_record
from shared.realtime.events import DASHBOARD_GROUP, job_group
from shared.realtime.publisher import publish_analysis_job, service_api
from shared.realtime.service_api import ServiceRejected, ServiceUnavailable, SignalRServiceApi
from shared.realtime.tokens import negotiate_redirect
from shared.storage.db import get_database
from triggers._http import api_handler, json_response, read_json_object

bp = df.Blueprint()
log = logging.getLogger(__name__)

GROUP_TTL_SECONDS = 24 * 3600   # a negotiated user's job membership outlives any analysis
MAX_CONNECTION_ID = 128


def _api() -> SignalRServiceApi:
    api = service_api()
    if api is None:
        raise Problem(503, "real-time events are not configured on this app (AzureSignalRConnectionString); "
                           "follow the job with GET /api/v1/analysis/status/{jobId}?wait=30")
    return api


def _known_job(job_id: str, field_name: str, *, scans: bool = False) -> str:
    """An existing analysis job (or, for negotiate, a Policy Enforcer scan: its act runs report to the same id)."""
    if not job_id or len(job_id) > 100:
        raise bad_request(field_name, "must be a job id such as analysis-<32 hex> or a scan id")
    db = get_database()
    if jobs.is_job_id(job_id):
        if jobs.get_job(db, job_id) is not None:
            return job_id
    elif scans and job_id.startswith("scan-") and ":" not in job_id and load_record(db, "scan", job_id) is not None:
        return job_id
    raise not_found(f"job {job_id}")


_last_warning = [0.0]   # reconnecting clients during an outage: one warning per WARN_EVERY_SECONDS, not one each
WARN_EVERY_SECONDS = 30.0


def _unavailable(exc: Exception) -> Problem:
    now = time.monotonic()
    if now - _last_warning[0] >= WARN_EVERY_SECONDS:
        _last_warning[0] = now
        log.warning("SignalR service call failed: %s (negotiate answers 503 until it is back)", exc)
    return Problem(503, "the real-time service is unavailable; follow the job with "
                        "GET /api/v1/analysis/status/{jobId}?wait=30 and try again later")


def _negotiate(job_id: str | None, dashboard: bool) -> dict[str, str]:
    api = _api()
    if job_id is not None:
        _known_job(job_id, "jobId", scans=True)
    user_id = "u-" + uuid.uuid4().hex
    groups = ([job_group(job_id)] if job_id else []) + ([DASHBOARD_GROUP] if dashboard else [])
    try:
        for group in groups:
            api.add_user_to_group(group, user_id, GROUP_TTL_SECONDS)
    except (ServiceUnavailable, ServiceRejected) as exc:
        raise _unavailable(exc) from None
    return negotiate_redirect(api.conn, api.hub, user_id).to_json()


@bp.route(route="negotiate", methods=["POST"])
@api_handler
async def signalr_negotiate(req: func.HttpRequest) -> func.HttpResponse:
    job_id = req.params.get("jobId")
    flag = (req.params.get("dashboard") or "false").lower()
    if flag not in ("true", "false", "1", "0"):
        raise bad_request("dashboard", "must be true or false")
    body = await asyncio.to_thread(_negotiate, job_id, flag in ("true", "1"))
    return json_response(body, headers={"Cache-Control": "no-store"})


def _subscribe(job_id: str, connection_id: str) -> dict[str, str]:
    api = _api()
    _known_job(job_id, "jobId")
    try:
        joined = api.add_connection_to_group(job_group(job_id), connection_id)
    except (ServiceUnavailable, ServiceRejected) as exc:
        raise _unavailable(exc) from None
    if not joined:
        raise Problem(404, f"connectionId: no connection {connection_id} is open on the real-time service",
                      [FieldError("connectionId", "not connected to the real-time service (connect first)")])
    # The new subscriber starts from the current state; it goes through the publisher so it cannot overtake (or
    # be overtaken by) an older state of the job still on its way.
    publish_analysis_job(get_database(), job_id)
    return {"jobId": job_id, "connectionId": connection_id}


@bp.route(route="v1/analysis/{jobId}/subscribe", methods=["POST"])
@api_handler
async def signalr_subscribe(req: func.HttpRequest) -> func.HttpResponse:
    body = read_json_object(req)
    connection_id = body.get("connectionId")
    if not isinstance(connection_id, str) or not connection_id.strip():
        raise bad_request("connectionId", "a SignalR connection id (HubConnection.connectionId) is required")
    if len(connection_id) > MAX_CONNECTION_ID:
        raise bad_request("connectionId", f"at most {MAX_CONNECTION_ID} characters")
    job_id = req.route_params.get("jobId", "")
    return json_response(await asyncio.to_thread(_subscribe, job_id, connection_id.strip()))
