"""HTTP API of the Policy Enforcer (`/api/v1/scans...`, `/api/v1/policies`).

Starting a scan validates the request and the policy configuration first (a bad file is a 400 naming the line and
nothing is written), then takes the singleton lock in the database: one scan at a time, a second request gets 409
with the running scan's id. A scan or act run whose orchestration no longer exists (the local engine is in memory,
so a host restart loses it) is marked failed when observed here, and stops blocking.
"""
from __future__ import annotations

import json
import logging
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from shared.api.paging import parse_page
from shared.api.problems import FieldError, Problem, bad_request, conflict, invalid, not_found
from shared.policies import service, store, watchdog
from shared.policies.checks import CATALOG
from shared.policies.config import ConfigError
from shared.policies.github_reader import open_session
from shared.policies.models import ActRequest, ScanRequest
from shared import settings
from shared.storage.db import get_database
from triggers._http import api_handler, base_url, json_response, read_json_object

bp = df.Blueprint()
log = logging.getLogger(__name__)

PENDING_GRACE = timedelta(seconds=60)  # a row written just before start_new, or a queued act request


def new_scan_id() -> str:
    return f"scan-{datetime.now(timezone.utc):%Y%m%d%H%M%S}-{secrets.token_hex(3)}"


def config_problem(exc: ConfigError) -> Problem:
    errors = [FieldError(f"configuration:{i.source}:{i.line}" + (f":{i.path}" if i.path else ""), str(i))
              for i in exc.issues]
    problem = invalid(errors)
    problem.detail = "invalid policy configuration: " + str(exc)
    problem.extra = {"configErrors": [{"source": i.source, "line": i.line, "path": i.path, "message": i.message}
                                      for i in exc.issues]}
    return problem


async def instance_alive(client: Any, instance_id: str | None) -> bool | None:
    """True running/pending, False gone or finished, None when the status cannot be read."""
    if not instance_id:
        return False
    try:
        status = await client.get_status(instance_id)
    except Exception:  # noqa: BLE001
        return None
    runtime = getattr(status, "runtime_status", None) if status else None
    if runtime is None:
        return False
    name = getattr(runtime, "name", str(runtime))
    return name in ("Running", "Pending", "ContinuedAsNew")


def _older_than(iso: str | None, age: timedelta) -> bool:
    if not iso:
        return True
    return datetime.now(timezone.utc) - datetime.fromisoformat(iso) > age


async def reconcile_scan(client: Any, scan: dict[str, Any]) -> dict[str, Any]:
    """Mark a scan or act run failed when its orchestration is gone, finished without saying so, or stalled
    (`shared.policies.watchdog`); the scan lock never outlives its orchestration. Returns the fresh row."""
    db = get_database()
    changed = False
    now = datetime.now(timezone.utc)
    stall = timedelta(seconds=settings.policy_stall_timeout_seconds())
    if scan["status"] in store.ACTIVE_SCAN_STATES and \
            (scan["status"] == "Running" or _older_than(scan["created_at"], PENDING_GRACE)):
        verdict = await watchdog.scan_verdict(client, scan["scan_id"], now, stall)
        if verdict:
            if verdict.alive:
                await watchdog.terminate_quietly(client, scan["scan_id"], verdict.reason)
            store.fail_scan(db, scan["scan_id"], verdict.reason)
            changed = True
    if scan.get("act_status") in ("Pending", "Running") and \
            (scan["act_status"] == "Running" or _older_than(scan.get("act_requested_at"), PENDING_GRACE)):
        verdict = await watchdog.act_verdict(client, scan.get("act_id"), scan["act_status"], now, stall)
        if verdict:
            if verdict.alive:
                await watchdog.terminate_quietly(client, str(scan["act_id"]), verdict.reason)
            store.mark_act_lost(db, scan["scan_id"], scan["act_id"], verdict.reason, release_links=verdict.gone)
            changed = True
    return store.get_scan(db, scan["scan_id"]) if changed else scan


async def start_scan(client: Any, trigger: str, dry_run: bool, repositories: list[str],
                     policies: list[str]) -> str:
    """Validate the configuration, take the lock, start the orchestration; `Problem` on bad input or 409."""
    db = get_database()
    org = settings.github_org()
    if not org:
        raise Problem(503, "GITHUB_ORG is not set: the organization to scan is unknown")
    try:
        config = service.load_effective_config(_session_or_none(), org, strict=False)
    except ConfigError as exc:
        raise config_problem(exc) from None
    unknown = [p for p in policies if config.policy(p) is None]
    if unknown:
        raise bad_request("policies", f"unknown policy id(s): {', '.join(unknown)}; see GET /api/v1/policies")
    holder = store.lock_holder(db)
    if holder:
        scan = store.get_scan(db, holder)
        if scan is None or scan["status"] not in store.ACTIVE_SCAN_STATES:
            store.release_lock(db, holder)  # a lock never outlives its scan
        else:
            await reconcile_scan(client, scan)
    scan_id = new_scan_id()
    request = ScanRequest(scan_id, trigger, dry_run, repositories, policies)
    try:
        store.create_scan(db, scan_id, trigger, dry_run, {"repositories": repositories, "policies": policies},
                          service.filter_policies(config, policies), org)
    except store.ScanAlreadyRunning as exc:
        raise conflict(f"scan {exc.scan_id} is already running; wait for it to finish",
                       runningScanId=exc.scan_id) from None
    try:
        await client.start_new("policy_scan_orchestrator", scan_id, request.to_json())
    except Exception:
        store.fail_scan(db, scan_id, "the orchestration could not be started")
        raise
    return scan_id


def _session_or_none() -> Any:
    try:
        return open_session()
    except Exception:  # noqa: BLE001 - no credentials: the app file alone is validated here
        return None


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


def scan_json(scan: dict[str, Any], base: str) -> dict[str, Any]:
    db = get_database()
    return {
        "scanId": scan["scan_id"],
        "status": scan["status"],
        "trigger": scan["trigger_kind"],
        "dryRun": bool(scan["dry_run"]),
        "startedAt": scan["started_at"] or scan["created_at"],
        "completedAt": scan["completed_at"],
        "repositoriesTotal": scan["repositories_total"],
        "repositoriesScanned": int(scan["repositories_scanned"] or 0),
        "violationsFound": int(scan["violations_found"] or 0),
        "error": scan["error"],
        "warning": scan.get("warning"),
        "deliveries": json.loads(scan["request_json"] or "{}").get("deliveries", []),
        "results": store.result_counts(db, scan["scan_id"]),
        "actions": {"actId": scan["act_id"], "status": scan["act_status"] or "NotStarted",
                    "attempt": int(scan["act_attempt"] or 0), "error": scan["act_error"],
                    "counts": store.action_counts(db, scan["scan_id"])},
        "statusUrl": f"{base}/api/v1/scans/{scan['scan_id']}",
    }


def _scan_or_404(scan_id: str) -> dict[str, Any]:
    scan = store.get_scan(get_database(), scan_id)
    if scan is None:
        raise not_found(f"scan {scan_id}")
    return scan


@bp.route(route="v1/scans", methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_handler
async def scans_start(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    dry_run, repositories, policies = _parse_scan_body(read_json_object(req, required=False))
    scan_id = await start_scan(client, "manual", dry_run, repositories, policies)
    status_url = f"{base_url(req)}/api/v1/scans/{scan_id}"
    return json_response({"scanId": scan_id, "jobId": scan_id, "statusUrl": status_url}, 202,
                         {"Location": status_url})


@bp.route(route="v1/scans", methods=["GET"])
@bp.durable_client_input(client_name="client")
@api_handler
async def scans_list(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    page = parse_page(req.params)
    rows, total = store.list_scans(get_database(), page.offset, page.page_size)
    rows = [await reconcile_scan(client, r) for r in rows]
    return json_response(page.envelope([scan_json(r, base_url(req)) for r in rows], total))


@bp.route(route="v1/scans/{scanId}", methods=["GET"])
@bp.durable_client_input(client_name="client")
@api_handler
async def scans_get(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    scan = await reconcile_scan(client, _scan_or_404(req.route_params["scanId"]))
    return json_response(scan_json(scan, base_url(req)))


@bp.route(route="v1/scans/{scanId}/violations", methods=["GET"])
@api_handler
async def scans_violations(req: func.HttpRequest) -> func.HttpResponse:
    scan = _scan_or_404(req.route_params["scanId"])
    page = parse_page(req.params, default_size=200)
    rows, total = store.list_violations(get_database(), scan["scan_id"], page.offset, page.page_size)
    items = [{"repository": r["repository"], "policyId": r["policy_id"], "severity": r["severity"],
              "message": r["message"], "action": r["action"], "details": json.loads(r["details_json"])}
             for r in rows]
    return json_response(page.envelope(items, total))


@bp.route(route="v1/scans/{scanId}/actions", methods=["GET"])
@api_handler
async def scans_actions(req: func.HttpRequest) -> func.HttpResponse:
    scan = _scan_or_404(req.route_params["scanId"])
    page = parse_page(req.params, default_size=200)
    rows, total = store.list_actions(get_database(), scan["scan_id"], page.offset, page.page_size)
    items = [{"scanId": r["scan_id"], "actId": r["act_id"], "repository": r["repository"],
              "policyId": r["policy_id"], "action": r["action"], "outcome": r["outcome"],
              "httpStatus": r["http_status"], "issueNumber": r["issue_number"], "issueUrl": r["issue_url"],
              "attempt": int(r["attempt"]), "message": r["message"], "at": r["created_at"]} for r in rows]
    return json_response(page.envelope(items, total))


async def retry_act(client: Any, scan_id: str) -> str:
    """Run the act step of a completed scan again; returns the act instance id. Idempotent: while an act run is
    alive, this joins it instead of starting another. Used by this API and by the monitoring dashboard's retry."""
    scan = await reconcile_scan(client, _scan_or_404(scan_id))
    if scan["status"] != "Completed":
        raise conflict(f"scan {scan['scan_id']} is {scan['status']}: only a completed scan's actions can be retried",
                       scanStatus=scan["status"])
    if scan["act_status"] in ("Pending", "Running") and await instance_alive(client, scan["act_id"]):
        return str(scan["act_id"])
    db = get_database()
    holder = store.act_claim_holder(db, scan["scan_id"])
    if holder and await instance_alive(client, holder):
        return holder  # a run started by a late queue message holds the scan: join it (one act run per scan)
    newer = store.newer_scan_covering(db, scan["scan_id"])
    if newer:
        raise conflict(f"scan {scan['scan_id']} is no longer the latest evaluation: scan {newer} evaluated the same "
                       f"repositories since; retry that scan's act step instead", newerScanId=newer)
    attempt = int(scan["act_attempt"] or 0) + 1
    act_id = service.act_id_for(scan["scan_id"], attempt)
    store.request_act(get_database(), scan["scan_id"], act_id, attempt)
    await client.start_new("policy_act_orchestrator", act_id, ActRequest(scan["scan_id"], act_id, attempt).to_json())
    return act_id


@bp.route(route="v1/scans/{scanId}/actions/retry", methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_handler
async def scans_actions_retry(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    scan_id = req.route_params["scanId"]
    act_id = await retry_act(client, scan_id)
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
        config = service.load_effective_config(_session_or_none(), settings.github_org(), strict=False)
    except ConfigError as exc:
        return json_response({"valid": False, "errors": [{"source": i.source, "line": i.line, "path": i.path,
                                                          "message": i.message} for i in exc.issues],
                              "checks": catalog})
    return json_response({"valid": True, "errors": [], **config.to_json(), "checks": catalog})
