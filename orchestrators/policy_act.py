"""Act orchestration (`<scanId>:act`, a retry `<scanId>:act:<n>`): carry out the actions of a completed scan.

A separate instance from the scan, so it can be retried on its own from the stored violations. Work items are
addressed by offset into a stable, database-derived list, so a retry or a rate-limit pause resumes where it
stopped and the dispatcher's claims and fingerprints keep every step idempotent. Archiving waits a grace period on
a durable timer, then re-checks before archiving.
"""
from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any

import azure.durable_functions as df

from orchestrators.policy_scan import MAX_RATE_LIMIT_WAITS, RETRY, _timer_at, wake_time
from shared.policies.failures import redacted_reason
from shared.policies.models import ActChunkInput, ActChunkResult, ActPlan, ActRequest, ArchiveInput

bp = df.Blueprint()


@bp.orchestration_trigger(context_name="context")
def policy_act_orchestrator(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    request = ActRequest.from_json(context.get_input())
    status: dict[str, Any] = {"phase": "planning", "scanId": request.scan_id, "actId": request.act_id}
    try:
        plan = ActPlan.from_json((yield context.call_activity_with_retry("policy_act_plan", RETRY,
                                                                         request.to_json())))
        if plan.superseded:  # another run holds this scan's claim (a late queue message, a second starter)
            context.set_custom_status({"phase": "superseded", "scanId": request.scan_id, "actId": request.act_id,
                                       "reason": plan.error})
            return {"actId": request.act_id, "status": "Superseded", "reason": plan.error}
        if not plan.ok:
            return (yield from _finish(context, request, "Failed", plan.error))
        offset, waits, candidates = 0, 0, []
        status.update(phase="acting", items=plan.items, done=0)
        while offset < plan.items:
            context.set_custom_status(status)
            chunk = ActChunkInput(request.scan_id, request.act_id, request.attempt, offset, plan.chunk_size)
            result = ActChunkResult.from_json((yield context.call_activity_with_retry("policy_act_chunk", RETRY,
                                                                                      chunk.to_json())))
            if result.fatal:
                return (yield from _finish(context, request, "Failed", result.fatal))
            candidates += result.archive_candidates
            offset += result.processed
            status.update(done=offset)
            if result.rate_limited_until:
                waits += 1
                if waits > MAX_RATE_LIMIT_WAITS:
                    return (yield from _finish(context, request, "Failed", "GitHub rate limit did not recover"))
                status.update(phase="waiting-rate-limit", rateLimitedUntil=result.rate_limited_until)
                context.set_custom_status(status)
                yield _timer_at(context, wake_time(context, result.rate_limited_until))
                status.update(phase="acting")
                status.pop("rateLimitedUntil", None)
        candidates = list(dict.fromkeys(candidates))
        if candidates and plan.archive_enabled:
            until = context.current_utc_datetime + timedelta(seconds=plan.grace_seconds)
            status.update(phase="archive-grace-period", archiveCandidates=len(candidates), graceUntil=until.isoformat())
            context.set_custom_status(status)
            yield context.create_timer(until)
            remaining = candidates
            while remaining:
                status.update(phase="archiving")
                context.set_custom_status(status)
                archive = ArchiveInput(request.scan_id, request.act_id, request.attempt, remaining)
                result = ActChunkResult.from_json((yield context.call_activity_with_retry(
                    "policy_archive_repositories", RETRY, archive.to_json())))
                if result.fatal:
                    return (yield from _finish(context, request, "Failed", result.fatal))
                remaining = remaining[result.processed:]
                if result.rate_limited_until and remaining:
                    yield _timer_at(context, wake_time(context, result.rate_limited_until))
        return (yield from _finish(context, request, "Completed", ""))
    except Exception as exc:  # noqa: BLE001
        return (yield from _finish(context, request, "Failed", f"the act step failed: {redacted_reason(exc)}"))


def _finish(context: Any, request: ActRequest, status: str, error: str) -> Generator[Any, Any, dict[str, Any]]:
    context.set_custom_status({"phase": status.lower(), "scanId": request.scan_id, "actId": request.act_id,
                               **({"error": error} if error else {})})
    return (yield context.call_activity_with_retry("policy_act_finish", RETRY, {
        "scanId": request.scan_id, "actId": request.act_id, "status": status, "error": error}))
