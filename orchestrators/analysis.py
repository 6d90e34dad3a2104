"""`analysis_orchestrator`: plan → batches of checks in waves of at most N connections → finalize.

Deterministic: it only calls activities and builds payloads. The plan activity reads settings (parallelism,
timeouts) and returns them. Each wave runs at most `maxParallel` batch activities, so the target never sees more
than N connections from one job; after each wave the custom status carries progress. Batch activities persist
their findings themselves and return counts, so history holds a few small records per batch whatever the size of
the database. Transient connection errors are retried by the retry policy; permanent ones come back as results and
fail the job at once. Cancel is a terminate from the API (the job row is marked Canceled there).
"""
from __future__ import annotations

import re
from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from shared.analyzer.models import AnalysisInput, BatchInput, BatchResult, FinalizeInput, Plan, Progress

bp = df.Blueprint()

RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=1000, max_number_of_attempts=3)
_TARGET_MESSAGE = re.compile(r"cannot (?:connect to|log in to) [^\n]*")


def failure_message(exc: Exception, step: str) -> str:
    """The job's error for an activity that kept failing: our own target messages are safe to show (they name
    host:port only); anything else is reported by type only, the details stay in the host log."""
    found = _TARGET_MESSAGE.search(str(exc))
    if found:
        return found.group(0).strip().rstrip(".") + f" (after {RETRY.max_number_of_attempts} attempts)"
    return f"{step} failed unexpectedly; see the host log for the activity's error"


@bp.orchestration_trigger(context_name="context", orchestration="analysis_orchestrator")
def analysis_orchestrator(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    request = AnalysisInput.from_json(context.get_input())
    context.set_custom_status(Progress.of("connecting and planning", 0, 0).to_json())
    error: str | None = None
    done = total = 0
    try:
        plan = Plan.from_json((yield context.call_activity_with_retry("analysis_plan", RETRY, request.to_json())))
    except Exception as exc:  # noqa: BLE001 - DF raises a plain Exception for a failed activity
        plan = Plan.failed(failure_message(exc, "planning"))
    if not plan.ok:
        error = plan.error or "planning failed"
    else:
        done, total = plan.checks_done, plan.checks_total
        context.set_custom_status(Progress.of(f"running checks (0 of {len(plan.batches)} batches)", done,
                                              total).to_json())
        width = max(1, plan.max_parallel)
        for start in range(0, len(plan.batches), width):
            wave = [BatchInput(request.job_id, start + offset, check_ids, request.connection, plan.timeout_seconds,
                               plan.schemas)
                    for offset, check_ids in enumerate(plan.batches[start:start + width])]
            try:
                results = yield context.task_all([
                    context.call_activity_with_retry("analysis_run_checks", RETRY, b.to_json()) for b in wave])
            except Exception as exc:  # noqa: BLE001
                error = failure_message(exc, "running checks")
                break
            outcomes = [BatchResult.from_json(r) for r in results]
            failed = next((r for r in outcomes if not r.ok), None)
            if failed is not None:
                error = failed.error or "a batch of checks failed"
                break
            done += sum(r.completed for r in outcomes)
            finished_batches = min(start + width, len(plan.batches))
            context.set_custom_status(Progress.of(
                f"running checks ({finished_batches} of {len(plan.batches)} batches)", done, total).to_json())
    context.set_custom_status(Progress.of("failing" if error else "writing the report", done, total).to_json())
    result = yield context.call_activity_with_retry("analysis_finalize", RETRY,
                                                    FinalizeInput(request.job_id, error).to_json())
    status = result.get("status", "Failed") if isinstance(result, dict) else "Failed"
    final = Progress.of(status.lower(), total if status == "Completed" else done, total).to_json()
    context.set_custom_status(final)
    return {"status": status, "error": error, "checksCompleted": done, "checksTotal": total}
