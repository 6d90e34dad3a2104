"""`notification_orchestrator`: one event's message (e-mail or webhook post), sent from an activity, retried on
transient errors, once.

Started by `shared.notifications.service.dispatch` with an instance id derived from the event, so a second tick, a
second host or a restart finds this instance rather than starting another; the outbox row is the message and its
record, and the activity's claim on it makes a duplicate attempt a no-op ("done").

Why the activity *returns* a transient error ("retry" at a time) instead of raising it for a `RetryOptions`
policy: a durable retry policy retries every exception alike (a 5xx would be retried too), and DF Python's
`RetryOptions` has a fixed interval only (first interval and attempt count), while a mail outage wants the
doubling delay, capped at an hour, that `NOTIFY_RETRY_SECONDS` / `NOTIFY_MAX_ATTEMPTS` describe. So the activity
classifies (4xx, refused, timeout → retry; 5xx → failed, final) and the orchestration waits on a durable timer,
which survives restarts in Azure. `RetryOptions` remains for what is not an SMTP answer (the application database
briefly unreachable): after those retries the orchestration ends and the row, still due, is dispatched again.
"""
from __future__ import annotations

from collections.abc import Generator
from datetime import datetime, timezone
from typing import Any

import azure.durable_functions as df

from shared.notifications.models import NotifyInput, SendOutcome

bp = df.Blueprint()

UNEXPECTED_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=5000, max_number_of_attempts=3)


@bp.orchestration_trigger(context_name="context", orchestration="notification_orchestrator")
def notification_orchestrator(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    request = NotifyInput.from_json(context.get_input())
    while True:
        try:
            outcome = SendOutcome.from_json((yield context.call_activity_with_retry(
                "notification_send", UNEXPECTED_RETRY, request.to_json())))
        except Exception as exc:  # noqa: BLE001 - DF raises a plain Exception for a failed activity
            # Not an SMTP answer (that is a result): the row stays due and the next dispatch starts us again.
            return SendOutcome("error", type(exc).__name__).to_json()
        context.set_custom_status(outcome.to_json())
        if outcome.final or not outcome.retry_at:
            return outcome.to_json()
        now = context.current_utc_datetime
        at = datetime.fromisoformat(outcome.retry_at).astimezone(timezone.utc)
        if now.tzinfo is None:  # the engine's clock may be naive UTC
            at = at.replace(tzinfo=None)
        yield context.create_timer(max(at, now))
