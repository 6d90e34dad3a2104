"""`notification_orchestrator` driven step by step with DF's `orchestrator_generator_wrapper` (no host): a transient
outcome waits on a durable timer until the time the activity gave and tries again; final outcomes end it; an
activity that kept failing (not an SMTP answer) ends it without a loop, leaving the row to the next dispatch."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest
from azure.durable_functions.testing import orchestrator_generator_wrapper

from orchestrators.notification import UNEXPECTED_RETRY, notification_orchestrator

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


class Task:
    def __init__(self, compute: Callable[[], Any]) -> None:
        self._compute = compute

    @property
    def result(self) -> Any:
        return self._compute()


class Context:
    current_utc_datetime = NOW

    def __init__(self, outcomes: list[Any]) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[dict[str, Any]] = []
        self.timers: list[datetime] = []

    def get_input(self) -> dict[str, Any]:
        return {"outboxId": "failure:job-1:1"}

    def set_custom_status(self, status: Any) -> None:
        pass

    def call_activity_with_retry(self, name: str, retry: Any, payload: dict[str, Any]) -> Task:
        assert name == "notification_send" and retry is UNEXPECTED_RETRY
        self.calls.append(payload)
        outcome = self.outcomes.pop(0)

        def result() -> Any:
            if isinstance(outcome, Exception):
                raise outcome
            return outcome
        return Task(result)

    def create_timer(self, fire_at: datetime) -> Task:
        self.timers.append(fire_at)
        return Task(lambda: None)


def run(context: Context) -> Any:
    generator_function = notification_orchestrator._function._func.orchestrator_function
    return list(orchestrator_generator_wrapper(generator_function(context)))[-1]


def test_a_transient_error_waits_for_the_time_given_and_tries_again_once_sent_it_ends() -> None:
    later = "2026-03-01T12:00:30+00:00"
    context = Context([{"outcome": "retry", "retryAt": later, "attempt": 1, "message": "SMTP 451"},
                       {"outcome": "sent", "attempt": 2}])
    assert run(context)["outcome"] == "sent"
    assert context.calls == [{"outboxId": "failure:job-1:1"}] * 2
    assert context.timers == [datetime.fromisoformat(later)]


@pytest.mark.parametrize("final", ["failed", "done", "waiting"])
def test_final_outcomes_end_it_without_a_retry(final: str) -> None:
    context = Context([{"outcome": final, "attempt": 1}])
    assert run(context)["outcome"] == final and context.timers == [] and len(context.calls) == 1


def test_an_activity_that_kept_failing_ends_it_and_leaves_the_row_to_the_next_dispatch() -> None:
    context = Context([Exception("database is locked")])
    assert run(context) == {"outcome": "error", "message": "Exception", "retryAt": None, "attempt": 0}
