"""`DurableOrchestrationContext` API over durabletask's `OrchestrationContext`, and the generator driver.

durabletask replays history by re-running a generator that yields *its* tasks; app orchestrators yield DF-style
tasks. `orchestrator_for` returns the durabletask orchestrator that runs the app generator one step at a time,
yields the durabletask task behind each DF task, and sends back what Azure would send: the decoded result, the
winning task of a `task_any`, or an `Exception` worded like the extension's.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Generator
from datetime import datetime, timedelta, timezone
from types import GeneratorType
from typing import Any

from azure.durable_functions.decorators.metadata import ActivityTrigger, OrchestrationTrigger
from azure.durable_functions.models.DurableOrchestrationContext import DurableOrchestrationContext
from azure.durable_functions.models.RetryOptions import RetryOptions
from durabletask import task as dt

from devhost.durable.entities import entity_error_message, instance_id_of
from devhost.durable.failures import OrchestratorFunctionFailed
from devhost.durable.tasks import AtomicLocalTask, LocalTask, TimerTask, WhenAllTask, WhenAnyTask, activity_failure


def _durable_name(name: Any, trigger: type) -> str:
    """V2 apps may pass the decorated function instead of its name; resolve it the way DF does."""
    if isinstance(name, str):
        return name
    if callable(name) and hasattr(name, "_function"):
        return DurableOrchestrationContext._get_function_name(None, name, trigger)  # type: ignore[arg-type]
    raise ValueError(
        "call_activity/call_sub_orchestrator need the function's name as a string or the decorated "
        f"v2 function; got {type(name).__name__}.")


def retry_policy(options: RetryOptions) -> dt.RetryPolicy:
    # DF's RetryOptions carries only these two; the extension's defaults (backoff 1, no cap) apply to the rest.
    return dt.RetryPolicy(
        first_retry_interval=timedelta(milliseconds=options.first_retry_interval_in_milliseconds),
        max_number_of_attempts=options.max_number_of_attempts,
        backoff_coefficient=1.0,
    )


class LocalDurableOrchestrationContext:
    """What an orchestrator generator receives as `context` on the local host."""

    def __init__(self, inner: dt.OrchestrationContext, input_value: Any, function_name: str):
        self._inner = inner
        self._input = input_value
        self._function_name = function_name
        self._custom_status: Any = None
        self._continue_as_new = False
        self._new_guid_counter = 0

    # --- identity and clock -------------------------------------------------------------------------------
    @property
    def instance_id(self) -> str:
        return self._inner.instance_id

    @property
    def parent_instance_id(self) -> str | None:
        return self._inner.parent_instance_id

    @property
    def function_name(self) -> str:
        return self._function_name

    @property
    def is_replaying(self) -> bool:
        return self._inner.is_replaying

    @property
    def current_utc_datetime(self) -> datetime:
        # DF parses history timestamps into aware UTC datetimes; durabletask keeps them naive.
        return self._inner.current_utc_datetime.replace(tzinfo=timezone.utc)

    def get_input(self, expected_type: type | None = None) -> Any:
        return self._input

    def new_uuid(self) -> str:
        return self._inner.new_uuid()

    def new_guid(self) -> uuid.UUID:
        name = f"{self.instance_id}_{self.current_utc_datetime}_{self._new_guid_counter}"
        self._new_guid_counter += 1
        return uuid.uuid5(uuid.NAMESPACE_URL, name)

    # --- work -----------------------------------------------------------------------------------------------
    def call_activity(self, name: Any, input_: Any = None, expected_type: type | None = None) -> LocalTask:
        activity = _durable_name(name, ActivityTrigger)
        return AtomicLocalTask(self._inner.call_activity(activity, input=input_),
                               activity_failure("Activity", activity))

    def call_activity_with_retry(self, name: Any, retry_options: RetryOptions, input_: Any = None,
                                 expected_type: type | None = None) -> LocalTask:
        activity = _durable_name(name, ActivityTrigger)
        return AtomicLocalTask(
            self._inner.call_activity(activity, input=input_, retry_policy=retry_policy(retry_options)),
            activity_failure("Activity", activity))

    def call_sub_orchestrator(self, name: Any, input_: Any = None, instance_id: str | None = None,
                              version: str | None = None, expected_type: type | None = None) -> LocalTask:
        orchestrator = _durable_name(name, OrchestrationTrigger)
        return AtomicLocalTask(
            self._inner.call_sub_orchestrator(orchestrator, input=input_, instance_id=instance_id),
            activity_failure("Orchestrator", orchestrator))

    def call_sub_orchestrator_with_retry(self, name: Any, retry_options: RetryOptions, input_: Any = None,
                                         instance_id: str | None = None, version: str | None = None,
                                         expected_type: type | None = None) -> LocalTask:
        orchestrator = _durable_name(name, OrchestrationTrigger)
        return AtomicLocalTask(
            self._inner.call_sub_orchestrator(orchestrator, input=input_, instance_id=instance_id,
                                              retry_policy=retry_policy(retry_options)),
            activity_failure("Orchestrator", orchestrator))

    def task_all(self, activities: list[LocalTask]) -> LocalTask:
        return WhenAllTask(activities)

    def task_any(self, activities: list[LocalTask]) -> LocalTask:
        return WhenAnyTask(activities)

    def create_timer(self, fire_at: datetime) -> TimerTask:
        return TimerTask(self._inner.create_timer(fire_at))

    def wait_for_external_event(self, name: str, expected_type: type | None = None) -> LocalTask:
        """An event goes to the newest open wait of its name, as in DF Python (its executor pops the *last* task of
        `open_tasks[name]`); durabletask gives it to the oldest. The difference shows when a loop's timer beats an
        event wait (the admission line's fallback): the abandoned wait stays open, and durabletask would hand it
        the next event, leaving the loop's current wait to its timer."""
        inner = self._inner.wait_for_external_event(name)
        waits = getattr(self._inner, "_pending_events", {}).get(name.casefold())
        if waits and waits[-1] is inner:
            waits.insert(0, waits.pop())
        return AtomicLocalTask(inner)

    # --- state ----------------------------------------------------------------------------------------------
    def set_custom_status(self, status: Any) -> None:
        self._custom_status = status
        self._inner.set_custom_status(status)

    @property
    def custom_status(self) -> Any:
        return self._custom_status

    def continue_as_new(self, input_: Any) -> None:
        self._continue_as_new = True
        self._inner.continue_as_new(input_)

    @property
    def will_continue_as_new(self) -> bool:
        return self._continue_as_new

    # --- entities -------------------------------------------------------------------------------------------
    def call_entity(self, entityId: Any, operationName: str, operationInput: Any = None,  # noqa: N803 (DF names)
                    expected_type: type | None = None) -> LocalTask:
        """Runs one operation on the entity and yields its result; a failed operation raises `Exception(message)`
        at the yield, as DF does."""
        return AtomicLocalTask(self._inner.call_entity(instance_id_of(entityId), operationName, operationInput),
                               lambda error: Exception(entity_error_message(error.details.message)))

    def signal_entity(self, entityId: Any, operationName: str, operationInput: Any = None) -> LocalTask:  # noqa: N803
        """Fire and forget: the operation is queued for the entity; the returned task is already complete."""
        self._inner.signal_entity(instance_id_of(entityId), operationName, operationInput)
        done: dt.CompletableTask[Any] = dt.CompletableTask()
        done.complete(None)
        return AtomicLocalTask(done)

    # --- not provided by the local host --------------------------------------------------------------------
    def call_http(self, method: str, uri: str, *args: Any, **kwargs: Any) -> LocalTask:
        """Refused, loudly: the extension runs durable HTTP calls itself (202 polling, managed identity tokens), and
        emulating that here would let an orchestrator reach hosts no allow-list has seen. The orchestration fails
        with this message; docs/local-host.md says so. Call an activity that makes the request instead."""
        raise NotImplementedError(
            f"context.call_http({method!r}, {uri!r}) is not emulated by the local host (devhost): durable HTTP is "
            "run by the Durable extension in Azure. Make the request in an activity instead (see docs/local-host.md).")


def orchestrator_for(name: str, user_function: Callable[..., Any]) -> Callable[[dt.OrchestrationContext, Any], Any]:
    """The durabletask orchestrator that runs one app orchestrator generator."""

    def run(inner: dt.OrchestrationContext, input_value: Any) -> Any:
        context = LocalDurableOrchestrationContext(inner, input_value, name)
        try:
            produced = user_function(context)
        except Exception as exc:
            raise OrchestratorFunctionFailed(name, exc) from exc
        if isinstance(produced, GeneratorType):
            return _drive(name, context, produced)
        return None if context.will_continue_as_new else produced

    run.__name__ = name
    return run


def _drive(name: str, context: LocalDurableOrchestrationContext,
           generator: Generator[Any, Any, Any]) -> Generator[dt.Task[Any], Any, Any]:
    value: Any = None
    error: Exception | None = None
    while True:
        try:
            step = generator.throw(error) if error is not None else generator.send(value)
        except StopIteration as stop:
            return None if context.will_continue_as_new else stop.value
        except Exception as exc:
            raise OrchestratorFunctionFailed(name, exc) from exc
        if context.will_continue_as_new:
            return None  # DF stops the episode at continue_as_new; later actions are dropped
        if not isinstance(step, LocalTask):
            raise OrchestratorFunctionFailed(
                name, TypeError(f"orchestrators must yield tasks from `context`, got {type(step).__name__}"))
        if not step._dt.is_complete:
            # Already-complete tasks (an empty task_all, a task yielded twice) resume at once, as in DF;
            # durabletask would wait for an event that never comes if handed one as the first yield.
            try:
                yield step._dt
            except (dt.TaskFailedError, dt.TaskCancelledError):
                pass  # the DF-shaped exception comes from the task itself
        value, error = step._outcome()
