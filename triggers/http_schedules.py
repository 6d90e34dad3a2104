"""HTTP API of recurring jobs (`/api/v1/schedules...`), the notifications log and analysis diffs.

`PUT /api/v1/schedules/{id}` is Hangfire's `RecurringJob.AddOrUpdate`: the caller's id, an idempotent upsert,
validated whole before anything is written (400 naming each field). `POST .../trigger` is the dashboard's
"Trigger now". Database work runs in a worker thread so the event loop keeps serving other requests.
"""
from __future__ import annotations

import asyncio
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from shared.analyzer import history, jobs
from shared.api.paging import parse_page
from shared.api.problems import Problem, conflict, not_found
from shared.notifications import outbox
from shared.schedules import service, store
from shared.schedules.model import BUILTIN_DAILY_SCAN, parse_schedule
from shared.storage.db import get_database
from triggers._http import api_handler, base_url, json_response, read_json_object
from triggers.schedule_runner import DurableJobRunner

bp = df.Blueprint()


def _stored(schedule_id: str) -> store.StoredSchedule:
    found = store.get(get_database(), schedule_id)
    if found is None:
        raise not_found(f"schedule {schedule_id[:100]}")
    return found


def _list(page_offset: int, page_size: int, base: str) -> tuple[list[dict[str, Any]], int]:
    db = get_database()
    service.ensure_builtin(db)
    rows, total = store.list_schedules(db, page_offset, page_size)
    return [service.describe(r, db, base) for r in rows], total


def _put(schedule_id: str, body: dict[str, Any], base: str) -> tuple[dict[str, Any], bool]:
    schedule = parse_schedule(schedule_id, body)
    db = get_database()
    created = service.save(db, schedule)
    return service.describe(_stored(schedule_id), db, base), created


def _delete(schedule_id: str) -> None:
    if schedule_id == BUILTIN_DAILY_SCAN:
        raise conflict(f"schedule {schedule_id} is built in: disable it (PUT with enabled=false) or set "
                       "POLICY_SCAN_SCHEDULE=off")
    if not store.delete(get_database(), schedule_id):
        raise not_found(f"schedule {schedule_id[:100]}")


@bp.route(route="v1/schedules", methods=["GET"])
@api_handler
async def schedules_list(req: func.HttpRequest) -> func.HttpResponse:
    page = parse_page(req.params)
    items, total = await asyncio.to_thread(_list, page.offset, page.page_size, base_url(req))
    return json_response(page.envelope(items, total))


@bp.route(route="v1/schedules/{scheduleId}", methods=["GET"])
@api_handler
async def schedules_get(req: func.HttpRequest) -> func.HttpResponse:
    schedule_id = req.route_params["scheduleId"]
    body = await asyncio.to_thread(lambda: service.describe(_stored(schedule_id), get_database(), base_url(req)))
    return json_response(body)


@bp.route(route="v1/schedules/{scheduleId}", methods=["PUT"])
@api_handler
async def schedules_put(req: func.HttpRequest) -> func.HttpResponse:
    schedule_id = req.route_params["scheduleId"]
    body, created = await asyncio.to_thread(_put, schedule_id, read_json_object(req), base_url(req))
    location = f"{base_url(req)}/api/v1/schedules/{schedule_id}"
    return json_response(body, 201 if created else 200, {"Location": location} if created else None)


@bp.route(route="v1/schedules/{scheduleId}", methods=["DELETE"])
@api_handler
async def schedules_delete(req: func.HttpRequest) -> func.HttpResponse:
    await asyncio.to_thread(_delete, req.route_params["scheduleId"])
    return func.HttpResponse(status_code=204)


@bp.route(route="v1/schedules/{scheduleId}/trigger", methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_handler
async def schedules_trigger(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    schedule_id = req.route_params["scheduleId"]
    stored = await asyncio.to_thread(_stored, schedule_id)
    run = await service.trigger_now(get_database(), DurableJobRunner(client), schedule_id)
    body = service.run_json(run, stored.schedule.kind, base_url(req))
    body["scheduleId"] = schedule_id
    return json_response(body, 202, {"Location": body["jobUrl"]} if body["jobUrl"] else None)


@bp.route(route="v1/schedules/{scheduleId}/runs", methods=["GET"])
@api_handler
async def schedules_runs(req: func.HttpRequest) -> func.HttpResponse:
    schedule_id = req.route_params["scheduleId"]
    page = parse_page(req.params)

    def load() -> dict[str, Any]:
        stored = _stored(schedule_id)
        runs, total = store.list_runs(get_database(), schedule_id, page.offset, page.page_size)
        return page.envelope([service.run_json(r, stored.schedule.kind, base_url(req)) for r in runs], total)

    return json_response(await asyncio.to_thread(load))


@bp.route(route="v1/notifications", methods=["GET"])
@api_handler
async def notifications_list(req: func.HttpRequest) -> func.HttpResponse:
    """The outbox with every attempt: what was sent, what waits for a retry, what failed and why."""
    page = parse_page(req.params)
    job_id = req.params.get("jobId") or None

    def load() -> dict[str, Any]:
        db = get_database()
        items, total = outbox.list_items(db, job_id, page.offset, page.page_size)
        tries = outbox.attempts(db, [i.notification.outbox_id for i in items])
        return page.envelope([{
            "id": i.notification.outbox_id, "channel": i.notification.channel, "event": i.notification.event,
            "jobId": i.notification.job_id,
            "recipients": i.notification.recipients, "subject": i.notification.subject, "status": i.status.value,
            "attempts": [{"attempt": a.attempt, "outcome": a.outcome, "message": a.message, "at": a.created_at}
                         for a in tries[i.notification.outbox_id]],
            "nextAttemptAt": i.next_attempt_at if i.status.value == "Pending" else None,
            "lastError": i.last_error, "createdAt": i.created_at, "sentAt": i.sent_at} for i in items], total)

    return json_response(await asyncio.to_thread(load))


@bp.route(route="v1/analysis/{jobId}/diff", methods=["GET"])
@api_handler
async def analysis_diff(req: func.HttpRequest) -> func.HttpResponse:
    """New, resolved and unchanged findings against the previous completed analysis of the same target."""
    job_id = req.route_params.get("jobId", "")

    def load() -> dict[str, Any]:
        db = get_database()
        status = jobs.job_status(db, job_id) if jobs.is_job_id(job_id) else None
        if status is None:
            raise not_found(f"analysis job {job_id[:100]}")
        report = jobs.get_report(db, job_id)
        if status != "Completed" or report is None:
            raise Problem(409, f"analysis job {job_id} is {status}; a diff exists once it is Completed",
                          extra={"jobStatus": status})
        previous = jobs.previous_completed_job(db, job_id)
        before = jobs.get_report(db, previous) if previous else None
        return history.diff_reports(report, before).to_json()

    return json_response(await asyncio.to_thread(load))
