"""HTTP API of the SQL Analyzer: start, status (with long-poll), report renderings, cancel, restart, list, catalog.

Each route parses and validates the request, calls one use case of `shared.analyzer.service` and renders its
record; the rules (what may be canceled or restarted, how a lost job is detected) live in the service.
"""
from __future__ import annotations

import asyncio
import json

import azure.durable_functions as df
import azure.functions as func

from shared.analyzer import catalog, jobs, packing, service
from shared.analyzer.connstr import ENGINES
from shared.analyzer.model import ANALYSIS_TYPES
from shared.analyzer.models import STATUSES
from shared.analyzer.render import FORMATS, render
from shared.analyzer.requests import parse_start_request
from shared.api.encoding import accepts_gzip
from shared.api.paging import int_param, parse_page
from shared.api.problems import bad_request, conflict, not_found
from shared.errors import Conflict
from shared.realtime.publisher import publish_analysis_job
from shared.storage.db import get_database
from triggers._http import api_handler, base_url, json_response, read_json_object

bp = df.Blueprint()


def links(base: str, job_id: str) -> dict[str, str]:
    return {"jobId": job_id, "statusUrl": f"{base}/api/v1/analysis/status/{job_id}",
            "reportUrl": f"{base}/api/v1/analysis/{job_id}/report"}


def _job_id(req: func.HttpRequest) -> str:
    job_id = req.route_params.get("jobId", "")
    if not jobs.is_job_id(job_id):
        raise not_found(f"analysis job {job_id[:100]}")
    return job_id


@bp.route(route="v1/analysis/start", methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_handler
async def analysis_start(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    request = parse_start_request(read_json_object(req))
    job_id = await service.start(client, request, source="http")
    body = links(base_url(req), job_id)
    return json_response(body, 202, {"Location": body["statusUrl"], "Retry-After": "2"})


@bp.route(route="v1/analysis/status/{jobId}", methods=["GET"])
@bp.durable_client_input(client_name="client")
@api_handler
async def analysis_status(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """`?wait=N` (0-30 s) long-polls: answers as soon as status, step or progress changes, or after N seconds."""
    job_id = _job_id(req)
    wait = int_param(req.params, "wait", 0, 0, service.MAX_WAIT_SECONDS)
    view = await service.status(client, job_id, wait)
    return json_response(view.to_json())


@bp.route(route="v1/analysis/{jobId}/report", methods=["GET"])
@api_handler
async def analysis_report(req: func.HttpRequest) -> func.HttpResponse:
    job_id = _job_id(req)
    fmt = (req.params.get("format") or "json").lower()
    if fmt not in FORMATS:
        raise bad_request("format", f"must be one of {', '.join(FORMATS)}")
    try:
        _, stored = await service.report_stored(job_id)
    except Conflict as exc:
        if "jobStatus" in exc.facts and exc.facts["jobStatus"] != "Completed":
            raise conflict(exc.detail, **exc.facts, statusUrl=links(base_url(req), job_id)["statusUrl"]) from None
        raise
    if fmt == "json":  # the stored document is the resource: served as stored
        gzipped = packing.gzip_body(stored) if accepts_gzip(req.headers.get("Accept-Encoding")) else None
        if gzipped is not None:  # a large report, packed: its bytes as they are (~20x smaller, never inflated here)
            return func.HttpResponse(gzipped, status_code=200, mimetype="application/json", charset="utf-8",
                                     headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
        text = await asyncio.to_thread(packing.unpack, stored)
        return func.HttpResponse(text, status_code=200, mimetype="application/json", charset="utf-8",
                                 headers={"Vary": "Accept-Encoding"})
    text = await asyncio.to_thread(packing.unpack, stored)
    del stored
    body, media = await asyncio.to_thread(lambda: render(json.loads(text), fmt))
    return func.HttpResponse(body, status_code=200, mimetype=media, charset="utf-8")


@bp.route(route="v1/analysis/{jobId}/cancel", methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_handler
async def analysis_cancel(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    view = await service.cancel(client, _job_id(req))
    # Real-time: the job's final state to its subscribers. Only enqueues (the publisher's thread reads the row),
    # so it is safe on the event loop.
    publish_analysis_job(get_database(), view.job.job_id)
    return json_response(view.to_json())


@bp.route(route="v1/analysis/{jobId}/restart", methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_handler
async def analysis_restart(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    job_id = _job_id(req)
    body = links(base_url(req), job_id)
    await service.restart(client, job_id)
    return json_response(body, 202, {"Location": body["statusUrl"]})


@bp.route(route="v1/analysis", methods=["GET"])
@bp.durable_client_input(client_name="client")
@api_handler
async def analysis_list(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    status = req.params.get("status") or None
    if status is not None and status not in STATUSES:
        raise bad_request("status", f"must be one of {', '.join(STATUSES)}")
    page = parse_page(req.params)
    views, total = await service.list_jobs(client, status, page.offset, page.page_size)
    return json_response(page.envelope([v.to_json() for v in views], total))


@bp.route(route="v1/analysis/checks", methods=["GET"])
@api_handler
def analysis_checks(req: func.HttpRequest) -> func.HttpResponse:
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


@bp.route(route="v1/analysis/connections", methods=["GET"])
@api_handler
def analysis_connections(req: func.HttpRequest) -> func.HttpResponse:
    items = [c.to_json() for c in service.connections()]
    return json_response({"items": items, "total": len(items)})


@bp.route(route="v1/analysis/history", methods=["GET"])
@api_handler
async def analysis_history(req: func.HttpRequest) -> func.HttpResponse:
    items = [t.to_json() for t in await service.history()]
    return json_response({"items": items, "total": len(items)})
