"""Orchestrators and activities that exercise every DurableOrchestrationContext feature the local host offers.

Written exactly as app code is (a `df.Blueprint`), so the same generators run on the local engine and through
azure-functions-durable's own replay machinery in the parity tests.
"""
from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import azure.durable_functions as df

bp = df.Blueprint()

RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=50, max_number_of_attempts=3)


class Money:
    """A payload type with the `to_json`/`from_json` pair Durable Functions serializes with its envelope."""

    def __init__(self, cents: int, currency: str):
        self.cents = cents
        self.currency = currency

    def to_json(self) -> dict[str, Any]:
        return {"cents": self.cents, "currency": self.currency}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Money:
        return cls(data["cents"], data["currency"])


# --- orchestrators -------------------------------------------------------------------------------------------
@bp.orchestration_trigger(context_name="context", orchestration="df_fan_out")
def fan_out(context: df.DurableOrchestrationContext):
    count = context.get_input()
    results = yield context.task_all([context.call_activity("df_double", i) for i in range(count)])
    return {"count": len(results), "sum": sum(results)}


@bp.orchestration_trigger(context_name="context", orchestration="df_chain")
def chain(context: df.DurableOrchestrationContext):
    """Function chaining (Microsoft's hello-sequence pattern): each step gets the previous step's output."""
    results = []
    value = context.get_input()
    for _ in range(3):
        value = yield context.call_activity("df_double", value)
        results.append(value)
    return results


@bp.orchestration_trigger(context_name="context", orchestration="df_catch_failure")
def catch_failure(context: df.DurableOrchestrationContext):
    try:
        yield context.call_activity("df_fail", context.get_input())
    except Exception as exc:  # noqa: BLE001 - Azure raises a plain Exception
        after = yield context.call_activity("df_double", 21)
        return {"caught": str(exc), "after": after}
    return "not reached"


@bp.orchestration_trigger(context_name="context", orchestration="df_uncaught_failure")
def uncaught_failure(context: df.DurableOrchestrationContext):
    yield context.call_activity("df_double", 1)
    yield context.call_activity("df_fail", context.get_input())
    return "not reached"


@bp.orchestration_trigger(context_name="context", orchestration="df_fan_out_with_failure")
def fan_out_with_failure(context: df.DurableOrchestrationContext):
    tasks = [context.call_activity("df_double", 1), context.call_activity("df_fail", "one of many"),
             context.call_activity("df_double", 2)]
    try:
        yield context.task_all(tasks)
    except Exception as exc:  # noqa: BLE001
        return f"task_all failed: {str(exc).splitlines()[0]}"
    return "not reached"


@bp.orchestration_trigger(context_name="context", orchestration="df_retry")
def retry(context: df.DurableOrchestrationContext):
    attempt = yield context.call_activity_with_retry("df_flaky", RETRY, context.get_input())
    return {"succeeded_on_attempt": attempt}


@bp.orchestration_trigger(context_name="context", orchestration="df_parent")
def parent(context: df.DurableOrchestrationContext):
    spec = context.get_input()
    child = yield context.call_sub_orchestrator("df_child", spec["value"], f"{context.instance_id}:child")
    retried = yield context.call_sub_orchestrator_with_retry("df_flaky_child", RETRY, spec["flaky"])
    try:
        yield context.call_sub_orchestrator("df_uncaught_failure", "child went wrong")
    except Exception as exc:  # noqa: BLE001
        failed = str(exc).splitlines()[0]
    return {"child": child, "retried": retried, "failed": failed}


@bp.orchestration_trigger(context_name="context", orchestration="df_child")
def child(context: df.DurableOrchestrationContext):
    doubled = yield context.call_activity("df_double", context.get_input())
    return {"doubled": doubled, "parent": context.parent_instance_id}


@bp.orchestration_trigger(context_name="context", orchestration="df_flaky_child")
def flaky_child(context: df.DurableOrchestrationContext):
    attempt = yield context.call_activity("df_flaky", context.get_input())
    return attempt


@bp.orchestration_trigger(context_name="context", orchestration="df_approval")
def approval(context: df.DurableOrchestrationContext):
    """The timeout pattern: an event races a durable timer; the loser timer is cancelled."""
    seconds = context.get_input()
    event = context.wait_for_external_event("Approval")
    timer = context.create_timer(context.current_utc_datetime + timedelta(seconds=seconds))
    winner = yield context.task_any([event, timer])
    if winner == event:
        timer.cancel()
        return {"approved": event.result, "timer_cancelled": timer.is_cancelled}
    return {"timed_out": True}


@bp.orchestration_trigger(context_name="context", orchestration="df_wait_again")
def wait_again(context: df.DurableOrchestrationContext):
    """A loop that waits for an event or a timer, as the analysis admission line does: the first round's timer
    wins, leaving its event wait open; the next round's event must reach the next round's wait (DF Python gives
    an event to the newest open wait of its name), not the abandoned one."""
    first = context.wait_for_external_event("Turn")
    yield context.task_any([first, context.create_timer(context.current_utc_datetime + timedelta(seconds=0.2))])
    context.set_custom_status({"round": 2})
    second = context.wait_for_external_event("Turn")
    timer = context.create_timer(context.current_utc_datetime + timedelta(seconds=30))
    winner = yield context.task_any([second, timer])
    if winner == second:
        timer.cancel()
        return {"round_two": "event", "value": second.result, "abandoned_wait_completed": first.is_completed}
    return {"round_two": "timer"}


@bp.orchestration_trigger(context_name="context", orchestration="df_human_interaction")
def human_interaction(context: df.DurableOrchestrationContext):
    """Microsoft's human-interaction pattern: ask someone, then act on their answer or escalate at the deadline,
    whichever comes first (a durable timer racing an external event)."""
    spec = context.get_input()
    yield context.call_activity("df_echo", {"asked": spec["who"]})
    deadline = context.create_timer(context.current_utc_datetime + timedelta(seconds=spec["seconds"]))
    answer = context.wait_for_external_event("Answer")
    winner = yield context.task_any([answer, deadline])
    if winner == answer:
        deadline.cancel()
        outcome = yield context.call_activity("df_echo", {"approved_by": answer.result})
    else:
        outcome = yield context.call_activity("df_echo", {"escalated": spec["who"]})
    return outcome


@bp.orchestration_trigger(context_name="context", orchestration="df_sub_orchestrations")
def sub_orchestrations(context: df.DurableOrchestrationContext):
    """Microsoft's sub-orchestration pattern: a parent runs one child orchestration per item, in parallel, and
    gathers their results in the order it started them."""
    children = [context.call_sub_orchestrator("df_child", value) for value in context.get_input()]
    results = yield context.task_all(children)
    return results


@bp.orchestration_trigger(context_name="context", orchestration="df_progress")
def progress(context: df.DurableOrchestrationContext):
    context.set_custom_status({"stage": "started"})
    yield context.call_activity("df_double", 1)
    context.set_custom_status({"stage": "waiting", "replaying": context.is_replaying})
    go = yield context.wait_for_external_event("Go")
    context.set_custom_status({"stage": "done"})
    return go


@bp.orchestration_trigger(context_name="context", orchestration="df_counter")
def counter(context: df.DurableOrchestrationContext):
    state = context.get_input()
    if state["n"] < state["until"]:
        yield context.call_activity("df_double", state["n"])
        context.continue_as_new({"n": state["n"] + 1, "until": state["until"]})
        return None
    return state


@bp.orchestration_trigger(context_name="context", orchestration="df_uuids")
def uuids(context: df.DurableOrchestrationContext):
    first = context.new_uuid()
    echoed = yield context.call_activity("df_echo", first)
    second = context.new_uuid()
    return {"first": first, "echoed": echoed, "second": second}


@bp.orchestration_trigger(context_name="context", orchestration="df_money")
def money(context: df.DurableOrchestrationContext):
    doubled = yield context.call_activity("df_double_money", Money(250, "EUR"))
    return {"cents": doubled.cents, "currency": doubled.currency, "type": type(doubled).__name__}


@bp.orchestration_trigger(context_name="context", orchestration="df_wait_forever")
def wait_forever(context: df.DurableOrchestrationContext):
    yield context.wait_for_external_event("Never")
    return "not reached"


@bp.orchestration_trigger(context_name="context", orchestration="df_echo_input")
def echo_input(context: df.DurableOrchestrationContext):
    return context.get_input()


@bp.orchestration_trigger(context_name="context", orchestration="df_edge_cases")
def edge_cases(context: df.DurableOrchestrationContext):
    """DF details apps may lean on: empty task_all gives None, a failed task can win task_any."""
    empty = yield context.task_all([])
    failing = context.call_activity("df_fail", "racer")
    winner = yield context.task_any([failing, context.wait_for_external_event("Never")])
    first_line = str(winner.result).splitlines()[0]
    again = yield context.call_activity("df_double", 4)
    return {"empty": empty, "winner_is_failing": winner == failing, "winner_result": first_line, "again": again}


@bp.orchestration_trigger(context_name="context", orchestration="df_slow_parent")
def slow_parent(context: df.DurableOrchestrationContext):
    """A batch-like child that outlasts the in-memory backend's 30 s sub-orchestration wait (issue 7 item 7)."""
    result = yield context.call_sub_orchestrator("df_slow_child", context.get_input())
    return {"child": result}


@bp.orchestration_trigger(context_name="context", orchestration="df_slow_child")
def slow_child(context: df.DurableOrchestrationContext):
    slept = yield context.call_activity("df_sleep", context.get_input())
    return slept


@bp.orchestration_trigger(context_name="context", orchestration="df_entity_counter")
def entity_counter(context: df.DurableOrchestrationContext):
    """Microsoft's counter pattern: signals are fire-and-forget, a call waits for the entity's answer."""
    spec = context.get_input()
    counter = df.EntityId("df_counter_entity", spec["key"])
    for amount in spec["adds"]:
        context.signal_entity(counter, "add", amount)
    value = yield context.call_entity(counter, "get")
    try:
        yield context.call_entity(counter, "explode", "on purpose")
    except Exception as exc:  # noqa: BLE001 - DF raises a plain Exception with the entity's message
        failure = str(exc)
    after = yield context.call_entity(counter, "get")
    return {"value": value, "failure": failure, "after": after}


@bp.orchestration_trigger(context_name="context", orchestration="df_entity_add_one")
def entity_add_one(context: df.DurableOrchestrationContext):
    """Many instances add to one counter: the entity applies them one at a time, so none is lost."""
    new_value = yield context.call_entity(df.EntityId("df_counter_entity", context.get_input()), "add", 1)
    return new_value


@bp.entity_trigger(context_name="context", entity_name="df_counter_entity")
def counter_entity(context: df.DurableEntityContext) -> None:
    current = context.get_state(lambda: 0)
    operation = context.operation_name
    if operation == "add":
        current += context.get_input()
        context.set_result(current)
    elif operation == "reset":
        current = 0
    elif operation == "get":
        context.set_result(current)
    elif operation == "delete":
        context.destruct_on_exit()
        return
    elif operation == "explode":
        raise ValueError(f"counter refused: {context.get_input()}")
    context.set_state(current)


# --- activities ------------------------------------------------------------------------------------------------
@bp.activity_trigger(input_name="number", activity="df_double")
def double(number: int) -> int:
    return number * 2


@bp.activity_trigger(input_name="message", activity="df_fail")
def fail(message: str) -> None:
    raise ValueError(message)


@bp.activity_trigger(input_name="spec", activity="df_flaky")
def flaky(spec: dict[str, Any]) -> int:
    """Fails `fail_times` times, counting attempts in a file because activities run on worker threads."""
    path = Path(spec["counter"])
    attempt = int(path.read_text() or "0") + 1 if path.exists() else 1
    path.write_text(str(attempt))
    if attempt <= spec["fail_times"]:
        raise RuntimeError(f"attempt {attempt} failed")
    return attempt


@bp.activity_trigger(input_name="seconds", activity="df_sleep")
def sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


@bp.activity_trigger(input_name="value", activity="df_echo")
async def echo(value: Any) -> Any:
    await asyncio.sleep(0)
    return json.loads(json.dumps(value))


@bp.activity_trigger(input_name="amount", activity="df_double_money")
def double_money(amount: Money) -> Money:
    return Money(amount.cents * 2, amount.currency)
