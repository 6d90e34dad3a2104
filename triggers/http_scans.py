"""HTTP API of the Policy Enforcer (`/api/v1/scans...`, `/api/v1/policies`).

Each route parses and validates the request, calls one use case of `shared.policies.service` and renders its
record. Starting a scan validates the policy configuration first (a bad file is a 400 naming the line and nothing
is written); one scan runs at a time (409 with the running scan's id); a scan or act run whose orchestration no
longer exists is marked failed when observed, and stops blocking.
"""
from __future__ import annotations

import asyncio
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from shared.api.paging import int_param, parse_page
from shared.api.problems import FieldError, invalid
from shared.policies import service
from shared.policies.checks import CATALOG
from shared.policies.config import ConfigError
from triggers._http import api_handler, base_url, config_errors, json_response, read_json_object

bp = df.Blueprint()


def _parse_scan_body(body: dict[str, Any]) -> tuple[bool, list[str], list[str]]:
    errors: list[FieldError] = []
    allowed = {"dryRun", "repositories", "policies"}
    for key in body:
        if key not in allowed:
            errors.append(FieldError(key, f"unknown field (allowed: {', '.join(sorted(allowed))})"))
    dry_run = body.get("dryRun", False)
    if not isinstance(dry_run, bool):
        errors.append(FieldError("dryRun", "must be true or false"))
    lists = {}
    for name, limit in (("repositories", 1000), ("policies", 100)):
        value = body.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            errors.append(FieldError(name, "must be a list of non-empty strings"))
            value = []
        elif len(value) > limit:
            errors.append(FieldError(name, f"at most {limit} entries"))
        elif name == "repositories" and any("/" in v for v in value):
            errors.append(FieldError(name, "give repository names without the organization"))
        lists[name] = [v.strip() for v in value]
    if errors:
        raise invalid(errors)
    return dry_run, lists["repositories"], lists["policies"]


@bp.route(route="v1/scans", methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_handler
async def scans_start(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    dry_run, repositories, policies = _parse_scan_body(read_json_object(req, required=False))
    scan_id = await service.start_scan(client, "manual", dry_run, repositories, policies)
    status_url = f"{base_url(req)}/api/v1/scans/{scan_id}"
    return json_response({"scanId": scan_id, "jobId": scan_id, "statusUrl": status_url}, 202,
                         {"Location": status_url})


@bp.route(route="v1/scans", methods=["GET"])
@bp.durable_client_input(client_name="client")
@api_handler
async def scans_list(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    page = parse_page(req.params)
    details, total = await service.list_scans(client, page.offset, page.page_size)
    base = base_url(req)
    return json_response(page.envelope([d.to_json(base) for d in details], total))


@bp.route(route="v1/scans/{scanId}", methods=["GET"])
@bp.durable_client_input(client_name="client")
@api_handler
async def scans_get(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    detail = await service.scan_detail(client, req.route_params["scanId"])
    return json_response(detail.to_json(base_url(req)))


@bp.route(route="v1/scans/trend", methods=["GET"])
@api_handler
async def scans_trend(req: func.HttpRequest) -> func.HttpResponse:
    scans = int_param(req.params, "scans", 10, 1, 50)
    return json_response((await service.violation_trend(scans)).to_json())


@bp.route(route="v1/scans/{scanId}/results", methods=["GET"])
@api_handler
async def scans_results(req: func.HttpRequest) -> func.HttpResponse:
    page = parse_page(req.params)
    matrix = await service.results_matrix(req.route_params["scanId"], page.offset, page.page_size)
    body = page.envelope([row.to_json() for row in matrix.rows], matrix.total)
    body["policies"] = list(matrix.policies)
    return json_response(body)


@bp.route(route="v1/scans/{scanId}/violations", methods=["GET"])
@api_handler
async def scans_violations(req: func.HttpRequest) -> func.HttpResponse:
    page = parse_page(req.params, default_size=200)
    rows, total = await service.violations(req.route_params["scanId"], page.offset, page.page_size)
    return json_response(page.envelope([r.to_json() for r in rows], total))


@bp.route(route="v1/scans/{scanId}/actions", methods=["GET"])
@api_handler
async def scans_actions(req: func.HttpRequest) -> func.HttpResponse:
    page = parse_page(req.params, default_size=200)
    rows, total = await service.actions(req.route_params["scanId"], page.offset, page.page_size)
    return json_response(page.envelope([r.to_json() for r in rows], total))


@bp.route(route="v1/scans/{scanId}/actions/retry", methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_handler
async def scans_actions_retry(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    scan_id = req.route_params["scanId"]
    act_id = await service.retry_act(client, scan_id)
    status_url = f"{base_url(req)}/api/v1/scans/{scan_id}"
    return json_response({"scanId": scan_id, "actId": act_id, "statusUrl": status_url}, 202,
                         {"Location": status_url})


@bp.route(route="v1/policies", methods=["GET"])
@api_handler
async def policies_get(req: func.HttpRequest) -> func.HttpResponse:
    catalog = [{"id": c.id, "title": c.title, "why": c.why, "fix": c.fix, "calls": list(c.calls),
                "params": [{"name": p.name, "type": p.kind, "default": p.default, "doc": p.doc} for p in c.params]}
               for c in CATALOG]
    try:
        config = await asyncio.to_thread(service.current_config)  # may read the org's override from GitHub
    except ConfigError as exc:
        return json_response({"valid": False, "errors": config_errors(exc), "checks": catalog})
    return json_response({"valid": True, "errors": [], **config.to_json(), "checks": catalog})
