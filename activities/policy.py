"""Activities of the Policy Enforcer: thin wrappers that unpack a payload, call `shared.policies.service`, and
return JSON. Each is idempotent (retried by `call_activity_with_retry` and after rate-limit pauses).

Rate limits and bad credentials come back as data (`rateLimitedUntil`, `fatal`) so the orchestrator can wait on a
durable timer or fail the scan at once; GitHub 5xx raise, so the orchestrator's retry policy applies.
"""
from __future__ import annotations

import json
import logging
import time
from typing import Any

import azure.durable_functions as df

from shared import settings
from shared.policies import service, store
from shared.policies.errors import Unavailable
from shared.policies.github_reader import open_session
from shared.policies.models import ActChunkInput, ActRequest, ArchiveInput, ChunkInput, ScanRequest
from shared.realtime.publisher import publish_act, publish_scan  # real-time progress (best effort, never blocks)
from shared.storage.db import get_database
from triggers._queues import send_message

bp = df.Blueprint()
log = logging.getLogger(__name__)

HANDOVER_ATTEMPTS = 3
HANDOVER_PAUSE_SECONDS = 2.0
HANDOVER_FAILED = ("the act request could not be queued: Azure Storage did not answer; the scan's results are "
                   "stored, retry the act step (POST /api/v1/scans/{scanId}/actions/retry)")


def _payload(raw: Any) -> dict[str, Any]:
    return json.loads(raw) if isinstance(raw, str) else dict(raw or {})


def _raise_unavailable(exc: Unavailable) -> None:
    # A plain RuntimeError crosses the activity boundary cleanly; the message holds no secret (paths and status).
    raise RuntimeError(f"GitHub unavailable: {exc}") from None


@bp.activity_trigger(input_name="payload")
def policy_load_config(payload: Any) -> dict[str, Any]:
    request = ScanRequest.from_json(_payload(payload))
    try:
        plan = service.plan_scan(get_database(), open_session(), request).to_json()
        publish_scan(get_database(), request.scan_id)
        return plan
    except Unavailable as exc:
        _raise_unavailable(exc)
        raise


@bp.activity_trigger(input_name="payload")
def policy_list_repositories(payload: Any) -> dict[str, Any]:
    """The requested repository names come from the scan's stored request, not the payload: a list of up to 1,000
    names repeated in every page's input would grow the history with pages × names (payloads of scans started
    before this change still carry it)."""
    data = _payload(payload)
    db = get_database()
    if "repositories" in data:
        wanted = list(data.get("repositories") or [])
    else:
        scan = store.get_scan(db, data["scanId"])
        wanted = scan.repositories if scan is not None else []
    try:
        page = service.list_page(db, open_session(), data["scanId"], int(data["page"]), wanted).to_json()
        publish_scan(db, data["scanId"])
        return page
    except Unavailable as exc:
        _raise_unavailable(exc)
        raise


@bp.activity_trigger(input_name="payload")
def policy_evaluate_chunk(payload: Any) -> dict[str, Any]:
    chunk = ChunkInput.from_json(_payload(payload))
    try:
        result = service.evaluate_chunk(get_database(), open_session(), chunk).to_json()
        publish_scan(get_database(), chunk.scan_id)
        return result
    except Unavailable as exc:
        _raise_unavailable(exc)
        raise


@bp.activity_trigger(input_name="payload")
def policy_finish_scan(payload: Any) -> dict[str, Any]:
    """Mark the scan Completed, then ask for its act run through a storage queue (see `policy_act_requests`).

    The hand-over waits a bounded time for the queue (`HANDOVER_ATTEMPTS`); when storage stays down the scan's act
    step says so (Failed, retriable) instead of the activity blocking in the storage client's long retries. A
    message that got through after all is harmless: the act run claims the scan in the database, so a late
    message and a manual retry cannot both act.
    """
    scan_id = _payload(payload)["scanId"]
    db = get_database()
    summary = service.finish_scan(db, scan_id)
    publish_scan(db, scan_id)
    scan = store.get_scan(db, scan_id)
    if scan is None or scan.status.value != "Completed" or scan.act_id != summary["actId"] \
            or scan.act_status is None or scan.act_status.value != "Pending":
        return summary  # failed meanwhile (watchdog), or a retried activity after the hand-over: no act request
    for attempt in range(1, HANDOVER_ATTEMPTS + 1):
        try:
            enqueue_act_request(scan_id, summary["actId"], 1)
            return summary
        except Exception as exc:  # noqa: BLE001 - storage unreachable: wait a little, then report it
            log.warning("act hand-over of %s failed (attempt %d/%d): %s", scan_id, attempt, HANDOVER_ATTEMPTS,
                        type(exc).__name__)
            if attempt < HANDOVER_ATTEMPTS:
                time.sleep(HANDOVER_PAUSE_SECONDS * attempt)
    store.fail_act_handover(db, scan_id, summary["actId"], HANDOVER_FAILED)
    return {**summary, "handover": "failed"}


@bp.activity_trigger(input_name="payload")
def policy_fail_scan(payload: Any) -> dict[str, Any]:
    data = _payload(payload)
    store.fail_scan(get_database(), data["scanId"], str(data.get("error") or "the scan failed"))
    publish_scan(get_database(), data["scanId"])
    return {"scanId": data["scanId"], "status": "Failed"}


@bp.activity_trigger(input_name="payload")
def policy_act_plan(payload: Any) -> dict[str, Any]:
    request = ActRequest.from_json(_payload(payload))
    plan = service.plan_act(get_database(), request).to_json()
    publish_act(get_database(), request.scan_id, request.act_id)
    return plan


@bp.activity_trigger(input_name="payload")
def policy_act_chunk(payload: Any) -> dict[str, Any]:
    chunk = ActChunkInput.from_json(_payload(payload))
    try:
        result = service.act_chunk(get_database(), open_session(), chunk).to_json()
        publish_act(get_database(), chunk.scan_id, chunk.act_id)
        return result
    except Unavailable as exc:
        _raise_unavailable(exc)
        raise


@bp.activity_trigger(input_name="payload")
def policy_archive_repositories(payload: Any) -> dict[str, Any]:
    try:
        return service.archive_candidates(get_database(), open_session(),
                                          ArchiveInput.from_json(_payload(payload))).to_json()
    except Unavailable as exc:
        _raise_unavailable(exc)
        raise


@bp.activity_trigger(input_name="payload")
def policy_act_finish(payload: Any) -> dict[str, Any]:
    data = _payload(payload)
    result = service.finish_act(get_database(), data["scanId"], data["actId"], data["status"], data.get("error", ""))
    publish_act(get_database(), data["scanId"], data["actId"])
    return result


def enqueue_act_request(scan_id: str, act_id: str, attempt: int) -> None:
    """Fire-and-forget start of the act orchestration: a queue trigger turns the message into `start_new`.

    An orchestrator cannot start an unrelated instance, and a sub-orchestration would keep the scan running for
    the whole act run (days, with an archive grace period). The queue decouples them and survives a restart. The
    send is bounded (`triggers._queues`); the caller decides how long to keep trying.
    """
    send_message(settings.policy_act_queue(), json.dumps({"scanId": scan_id, "actId": act_id, "attempt": attempt}))
