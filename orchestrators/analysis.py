"""`analysis_orchestrator`: plan → batches of checks, at most N connections at a time → finalize.

Deterministic: it only calls activities and builds payloads. The plan activity reads settings (parallelism,
timeouts) and returns them. At most `maxParallel` batch activities run at once, so the target never sees more
than N connections from one job; after each batch the custom status carries progress. Batch activities persist
their findings themselves and return counts, so history holds a few small records per batch whatever the size of
the database. Transient connection errors are retried by the retry policy; permanent ones come back as results and
fail the job at once. Cancel is a terminate from the API (the job row is marked Canceled there).
"""
from __future__ import annotations

import re
from collections.abc import Generator
from datetime import timedelta
from typing import Any

import azure.durable_functions as df

from shared.analyzer.models import ADMITTED_EVENT, AnalysisInput, BatchInput, BatchResult, FinalizeInput, Plan, Progress
from shared.analyzer.watchdog import RETRY_ATTEMPTS, RETRY_FIRST_INTERVAL_MS, WAIT_UNTIL_KEY

bp = df.Blueprint()

RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=RETRY_FIRST_INTERVAL_MS,
                        max_number_of_attempts=RETRY_ATTEMPTS)
# A job waiting in line is woken by an external event (`ADMITTED_EVENT`, raised by `service.wake`) from the activity
# that freed a slot and granted it; the durable timer is only the fallback for an event that never came (a crash
# between the grant's commit and the event, a slot freed without a release: a job marked lost, a changed limit).
# So it is long: 5 s for the head of a line plus 1 s per job in front, at most a minute, which keeps a line of
# hundreds to a few activity calls a second.
WAIT_FALLBACK_SECONDS = 5.0
WAIT_PER_JOB_AHEAD_SECONDS = 1.0
WAIT_MAX_SECONDS = 60.0
_TARGET_MESSAGE = re.compile(r"cannot (?:connect to|log in to) [^\n]*")


def failure_message(exc: Exception, step: str) -> str:
    """The job's error for an activity that kept failing: our own target messages are safe to show (they name
    host:port only); anything else is reported by type only, the details stay in the host log."""
    found = _TARGET_MESSAGE.search(str(exc))
    if found:
        return found.group(0).strip().rstrip(".") + f" (after {RETRY.max_number_of_attempts} attempts)"
    return f"{step} failed unexpectedly; see the host log for the activity's error"


def _run_batches(context: df.DurableOrchestrationContext, request: AnalysisInput, plan: Plan, done: int,
                 total: int) -> Generator[Any, Any, tuple[int, str | None]]:
    """A sliding window: a new batch starts the moment one ends, so all `maxParallel` connections stay busy until
    the queue is empty (waves would idle a connection while its partner finishes the wave's slowest batch). The plan
    orders batches longest first, so the stragglers at the end are short. Stops at the first failed batch; batches
    still in flight then end on their own (each records its outcomes, and the job is already final)."""
    width = max(1, plan.max_parallel)
    queued = list(enumerate(plan.batches))
    in_flight: list[Any] = []
    finished = 0
    while queued or in_flight:
        while queued and len(in_flight) < width:
            index, check_ids = queued.pop(0)
            batch = BatchInput(request.job_id, index, check_ids, request.connection, plan.timeout_seconds)
            in_flight.append(context.call_activity_with_retry("analysis_run_checks", RETRY, batch.to_json()))
        winner = yield context.task_any(in_flight)
        in_flight = [task for task in in_flight if task is not winner]
        if isinstance(winner.result, Exception):  # retries exhausted: task_any hands back the failed task
            return done, failure_message(winner.result, "running checks")
        outcome = BatchResult.from_json(winner.result)
        if not outcome.ok:
            return done, outcome.error or "a batch of checks failed"
        done += outcome.completed
        finished += 1
        context.set_custom_status(Progress.of(f"running checks ({finished} of {len(plan.batches)} batches)", done,
                                              total).to_json())
    return done, None


@bp.orchestration_trigger(context_name="context", orchestration="analysis_orchestrator")
def analysis_orchestrator(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    request = AnalysisInput.from_json(context.get_input())
    context.set_custom_status(Progress.of("connecting and planning", 0, 0).to_json())
    error: str | None = None
    done = total = 0
    while True:
        try:
            plan = Plan.from_json((yield context.call_activity_with_retry("analysis_plan", RETRY, request.to_json())))
        except Exception as exc:  # noqa: BLE001 - DF raises a plain Exception for a failed activity
            plan = Plan.failed(failure_message(exc, "planning"))
        if not plan.waiting:
            break
        # Not admitted yet (the target server is busy, or others are ahead): wait for the event that says a slot
        # was granted, or the fallback timer, whichever comes first, then ask again (the plan activity finds the
        # slot granted, or reports the new place in line). An event raised before this wait is buffered by the
        # engine, unless an earlier round's wait is still open (its timer won): DF hands an event to the newest
        # open wait, so one that arrives while no round waits goes to that abandoned wait and this round falls back
        # to its timer (late, never wrong: the grant is in the database). A stale one only costs one more
        # question. `waitUntil` tells the watchdog (shared.analyzer.watchdog) that waiting until the fallback timer
        # is deliberate.
        wait = min(WAIT_MAX_SECONDS, WAIT_FALLBACK_SECONDS + WAIT_PER_JOB_AHEAD_SECONDS * plan.ahead)
        wake = context.current_utc_datetime + timedelta(seconds=wait)
        context.set_custom_status({**Progress.of(plan.waiting, 0, 0).to_json(), WAIT_UNTIL_KEY: wake.isoformat()})
        admitted = context.wait_for_external_event(ADMITTED_EVENT)
        fallback = context.create_timer(wake)
        winner = yield context.task_any([admitted, fallback])
        if winner is not fallback and not fallback.is_completed:  # both may land in one episode
            fallback.cancel()
    if not plan.ok:
        error = plan.error or "planning failed"
    else:
        done, total = plan.checks_done, plan.checks_total
        context.set_custom_status(Progress.of(f"running checks (0 of {len(plan.batches)} batches)", done,
                                              total).to_json())
        done, error = yield from _run_batches(context, request, plan, done, total)
    context.set_custom_status(Progress.of("failing" if error else "writing the report", done, total).to_json())
    result = yield context.call_activity_with_retry("analysis_finalize", RETRY,
                                                    FinalizeInput(request.job_id, error).to_json())
    status = result.get("status", "Failed") if isinstance(result, dict) else "Failed"
    final = Progress.of(status.lower(), total if status == "Completed" else done, total).to_json()
    context.set_custom_status(final)
    return {"status": status, "error": error, "checksCompleted": done, "checksTotal": total}
