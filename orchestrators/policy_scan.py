"""Scan orchestration: plan → list repositories page by page → evaluate in batch sub-orchestrations → complete.

Deterministic: only `context.*` calls and pure helpers. History stays bounded for 10,000+ repositories because
snapshots and results live in the database: the parent only sees page counts and one summary per batch, and each
batch sub-orchestration (`<scanId>:batch:<n>`) sees its own handful of chunk summaries. A rate limit comes back
as `rateLimitedUntil` and is waited out with a durable timer; 5xx is retried by the retry policy; bad credentials
fail the scan at once. The act run is started afterwards by a queue message (see `activities.policy`).
"""
from __future__ import annotations

from collections.abc import Generator
from datetime import datetime, timedelta, timezone
from typing import Any

import azure.durable_functions as df

from shared.policies.failures import redacted_reason
from shared.policies.models import BatchInput, ChunkInput, ChunkResult, ListPageResult, ScanPlan, ScanRequest

bp = df.Blueprint()

RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=2000, max_number_of_attempts=4)
MAX_RATE_LIMIT_WAITS = 50  # a budget that never recovers should fail the scan rather than sleep forever


def wake_time(context: Any, reset_at: str) -> datetime:
    """When to try again: the reset time, but never in the past nor sooner than one second from now."""
    now = context.current_utc_datetime
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    reset = datetime.fromisoformat(reset_at.replace("Z", "+00:00"))
    if reset.tzinfo is None:
        reset = reset.replace(tzinfo=timezone.utc)
    return max(reset, now + timedelta(seconds=1))


def _timer_at(context: Any, when: datetime) -> Any:
    naive_context = context.current_utc_datetime.tzinfo is None
    return context.create_timer(when.replace(tzinfo=None) if naive_context else when)


@bp.orchestration_trigger(context_name="context")
def policy_scan_orchestrator(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    request = ScanRequest.from_json(context.get_input())
    scan_id = request.scan_id
    status: dict[str, Any] = {"phase": "planning", "scanId": scan_id}
    try:
        waits = 0
        while True:
            plan = ScanPlan.from_json((yield context.call_activity_with_retry("policy_load_config", RETRY,
                                                                              request.to_json())))
            if not plan.rate_limited_until:
                break
            waits += 1
            if waits > MAX_RATE_LIMIT_WAITS:
                return (yield from _fail(context, scan_id, "GitHub rate limit did not recover"))
            status.update(phase="waiting-rate-limit", rateLimitedUntil=plan.rate_limited_until)
            context.set_custom_status(status)
            yield _timer_at(context, wake_time(context, plan.rate_limited_until))
        status.pop("rateLimitedUntil", None)
        if not plan.ok:
            return (yield from _fail(context, scan_id, plan.error))

        # 1. list the organization's repositories into the database, a page at a time
        page, total, waits = 1, 0, 0
        while page:
            status.update(phase="listing", page=page)
            context.set_custom_status(status)
            listed = ListPageResult.from_json((yield context.call_activity_with_retry(
                "policy_list_repositories", RETRY, {"scanId": scan_id, "page": page})))
            if listed.fatal:
                return (yield from _fail(context, scan_id, listed.fatal))
            if listed.rate_limited_until:
                waits += 1
                if waits > MAX_RATE_LIMIT_WAITS:
                    return (yield from _fail(context, scan_id, "GitHub rate limit did not recover"))
                status.update(phase="waiting-rate-limit", rateLimitedUntil=listed.rate_limited_until)
                context.set_custom_status(status)
                yield _timer_at(context, wake_time(context, listed.rate_limited_until))
                continue
            total, page = listed.total, listed.next_page
        status.pop("page", None)
        status.pop("rateLimitedUntil", None)

        # 2. evaluate in batches, a window of sub-orchestrations at a time
        batches = [BatchInput(scan_id, offset, min(plan.batch_size, total - offset), plan.chunk_size,
                              list(plan.unavailable_pauses)) for offset in range(0, total, plan.batch_size)]
        scanned = violations = errors = 0
        status.update(phase="evaluating", repositoriesTotal=total, repositoriesScanned=0, violationsFound=0,
                      batchesTotal=len(batches), batchesDone=0)
        context.set_custom_status(status)
        for start in range(0, len(batches), plan.parallel_batches):
            window = batches[start:start + plan.parallel_batches]
            results = yield context.task_all([
                context.call_sub_orchestrator("policy_scan_batch_orchestrator", batch.to_json(),
                                              f"{scan_id}:batch:{start + i}")
                for i, batch in enumerate(window)])
            for result in results:
                summary = ChunkResult.from_json(result)
                if summary.fatal:
                    return (yield from _fail(context, scan_id, summary.fatal))
                scanned += summary.scanned
                violations += summary.violations
                errors += summary.errors
            status.update(repositoriesScanned=scanned, violationsFound=violations, checkErrors=errors,
                          batchesDone=start + len(window))
            context.set_custom_status(status)

        # 3. complete; the act run starts from a queue message
        finished = yield context.call_activity_with_retry("policy_finish_scan", RETRY, {"scanId": scan_id})
        status.update(phase="completed", actId=finished.get("actId"))
        if finished.get("warning"):
            status.update(warning=finished["warning"])
        context.set_custom_status(status)
        return finished
    except Exception as exc:  # noqa: BLE001 - activity failures after retries: record them on the scan
        return (yield from _fail(context, scan_id, f"the scan failed: {redacted_reason(exc)}"))


def _fail(context: Any, scan_id: str, error: str) -> Generator[Any, Any, dict[str, Any]]:
    context.set_custom_status({"phase": "failed", "scanId": scan_id, "error": error})
    yield context.call_activity_with_retry("policy_fail_scan", RETRY, {"scanId": scan_id, "error": error})
    return {"scanId": scan_id, "status": "Failed", "error": error}


@bp.orchestration_trigger(context_name="context")
def policy_scan_batch_orchestrator(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    """One window of the repository list: its chunks run in parallel; rate-limited chunks wait and go again."""
    batch = BatchInput.from_json(context.get_input())
    end = batch.offset + batch.limit
    pending = [ChunkInput(batch.scan_id, offset, min(batch.chunk_size, end - offset))
               for offset in range(batch.offset, end, batch.chunk_size)]
    total = ChunkResult()
    waits = 0
    while pending:
        results = yield context.task_all([context.call_activity_with_retry("policy_evaluate_chunk", RETRY,
                                                                           chunk.to_json()) for chunk in pending])
        again, wake, pause = [], "", 0
        for chunk, raw in zip(pending, results, strict=True):
            result = ChunkResult.from_json(raw)
            if result.fatal:
                return ChunkResult(fatal=result.fatal).to_json()
            if result.rate_limited_until:
                again.append(chunk)
                wake = max(wake, result.rate_limited_until)
                continue
            if result.unavailable:
                # GitHub keeps failing for a repository of this chunk (beyond the activity's retries): pause, try
                # again; the last try records that repository's results as `error` instead of failing the scan.
                pauses = batch.unavailable_pauses or [0]
                tries = chunk.unavailable_tries + 1
                again.append(ChunkInput(chunk.scan_id, chunk.offset, chunk.limit,
                                        final_attempt=tries >= len(pauses), unavailable_tries=tries))
                pause = max(pause, pauses[min(tries, len(pauses)) - 1], 1)
                continue
            total.scanned += result.scanned
            total.violations += result.violations
            total.errors += result.errors
        if wake:
            waits += 1
            if waits > MAX_RATE_LIMIT_WAITS:
                return ChunkResult(fatal="GitHub rate limit did not recover").to_json()
            context.set_custom_status({"phase": "waiting-rate-limit", "rateLimitedUntil": wake})
            yield _timer_at(context, wake_time(context, wake))
        elif pause:
            context.set_custom_status({"phase": "waiting-github-unavailable", "pauseSeconds": pause})
            yield context.create_timer(context.current_utc_datetime + timedelta(seconds=pause))
        pending = again
    return total.to_json()
