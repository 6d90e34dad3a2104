"""Microsoft's Durable Functions samples' orchestrator patterns, run on the local host over HTTP the way the samples
drive them: the app's own starter (`POST /api/start/{name}`) and the check-status URLs it answers with.

The orchestrators are the test app's (tests/devhost_app/durable_features.py), written here to behave as the samples
do: chaining, fan-out/fan-in, human interaction (a durable timer racing an external event; both outcomes),
sub-orchestrations, custom status, and the function-based counter entity. Each test asserts the outcome and the
order of what happened (the instance's history), never how long it took.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.support.local_host import LocalHost
from tests.support.waiting import HANG_GUARD_S

APP = "tests.devhost_app.function_app:app"
DONE = {"Completed", "Failed", "Terminated"}


@pytest.fixture(scope="module")
def host(local_host: Callable[..., LocalHost]) -> LocalHost:
    return local_host(app=APP, env={"DEVHOST_TEST_WORK_QUEUE": "patterns-work",
                                    "DEVHOST_TEST_FAIL_QUEUE": "patterns-fail"})


def start(host: LocalHost, name: str, payload: Any = None) -> dict[str, Any]:
    """The check-status payload (`id`, `statusQueryGetUri`, `sendEventPostUri`, ...) the app's starter answers."""
    response = requests.post(host.url(f"/api/start/{name}"), json=payload, timeout=30)
    assert response.status_code == 202, response.text
    return response.json()


def status(links: dict[str, Any], **query: str) -> dict[str, Any]:
    response = requests.get(links["statusQueryGetUri"], params=query, timeout=30)
    assert response.status_code in (200, 202), response.text
    return response.json()


def wait_until(links: dict[str, Any], check: Callable[[dict[str, Any]], bool], **query: str) -> dict[str, Any]:
    deadline = time.monotonic() + HANG_GUARD_S
    while True:
        current = status(links, **query)
        if check(current):
            return current
        assert time.monotonic() < deadline, f"{links['id']} never got there: {current}"
        time.sleep(0.05)


def finished(links: dict[str, Any]) -> dict[str, Any]:
    return wait_until(links, lambda s: s["runtimeStatus"] in DONE, showHistory="true", showHistoryOutput="true")


def raise_event(links: dict[str, Any], name: str, data: Any) -> None:
    response = requests.post(links["sendEventPostUri"].replace("{eventName}", name), json=data, timeout=30)
    assert response.status_code == 202, response.text


def rows(final: dict[str, Any]) -> list[tuple[str, Any]]:
    """(event type, function name or event name) per history row, in order."""
    return [(r["EventType"], r.get("FunctionName") or r.get("Name")) for r in final["historyEvents"]]


def test_function_chaining_feeds_each_step_the_previous_output(host: LocalHost) -> None:
    final = finished(start(host, "df_chain", 3))
    assert (final["runtimeStatus"], final["output"]) == ("Completed", [6, 12, 24])
    completed = [r for r in final["historyEvents"] if r["EventType"] == "TaskCompleted"]
    assert [(r["FunctionName"], r["Result"]) for r in completed] == [("df_double", 6), ("df_double", 12),
                                                                     ("df_double", 24)]


def test_fan_out_fan_in_gathers_every_parallel_result(host: LocalHost) -> None:
    final = finished(start(host, "df_fan_out", 25))
    assert (final["runtimeStatus"], final["output"]) == ("Completed", {"count": 25, "sum": 2 * sum(range(25))})
    completions = [r for r in final["historyEvents"] if r["EventType"] == "TaskCompleted"]
    assert sorted(r["Result"] for r in completions) == [2 * i for i in range(25)]
    # Fan-out: every activity was scheduled in the first episode, before any of them had completed.
    assert len({r["ScheduledTime"] for r in completions}) == 1


def test_human_interaction_answer_arrives_before_the_deadline(host: LocalHost) -> None:
    links = start(host, "df_human_interaction", {"who": "ops", "seconds": 3600})
    wait_until(links, lambda s: any(r["EventType"] == "TimerCreated" for r in s.get("historyEvents", [])),
               showHistory="true")
    raise_event(links, "Answer", "alice")
    final = finished(links)
    assert (final["runtimeStatus"], final["output"]) == ("Completed", {"approved_by": "alice"})
    assert rows(final) == [("ExecutionStarted", "df_human_interaction"), ("TaskCompleted", "df_echo"),
                           ("TimerCreated", None), ("EventRaised", "Answer"), ("TaskCompleted", "df_echo"),
                           ("ExecutionCompleted", None)]


def test_human_interaction_deadline_passes_without_an_answer(host: LocalHost) -> None:
    links = start(host, "df_human_interaction", {"who": "ops", "seconds": 1})
    final = finished(links)
    assert (final["runtimeStatus"], final["output"]) == ("Completed", {"escalated": "ops"})
    assert rows(final) == [("ExecutionStarted", "df_human_interaction"), ("TaskCompleted", "df_echo"),
                           ("TimerCreated", None), ("TimerFired", None), ("TaskCompleted", "df_echo"),
                           ("ExecutionCompleted", None)]
    timer_created, timer_fired = (r for r in final["historyEvents"] if r["EventType"].startswith("Timer"))
    assert timer_created["FireAt"] == timer_fired["FireAt"] <= timer_fired["Timestamp"]
    # A late answer is refused as the extension refuses it (410 Gone: the instance has completed) and changes nothing.
    late = requests.post(links["sendEventPostUri"].replace("{eventName}", "Answer"), json="too late", timeout=30)
    assert late.status_code == 410
    assert status(links)["output"] == {"escalated": "ops"}


def test_sub_orchestrations_run_per_item_and_report_to_their_parent(host: LocalHost) -> None:
    links = start(host, "df_sub_orchestrations", [1, 2, 3])
    final = finished(links)
    assert final["runtimeStatus"] == "Completed"
    assert final["output"] == [{"doubled": 2, "parent": links["id"]}, {"doubled": 4, "parent": links["id"]},
                               {"doubled": 6, "parent": links["id"]}]
    assert [t for t, _ in rows(final)] == ["ExecutionStarted", "SubOrchestrationInstanceCompleted",
                                           "SubOrchestrationInstanceCompleted", "SubOrchestrationInstanceCompleted",
                                           "ExecutionCompleted"]


def test_custom_status_is_visible_while_running_and_kept_at_the_end(host: LocalHost) -> None:
    links = start(host, "df_progress")
    waiting = wait_until(links, lambda s: (s.get("customStatus") or {}).get("stage") == "waiting")
    assert waiting["runtimeStatus"] == "Running" and waiting["customStatus"] == {"stage": "waiting",
                                                                                  "replaying": False}
    raise_event(links, "Go", "went")
    final = finished(links)
    assert (final["runtimeStatus"], final["output"], final["customStatus"]) == ("Completed", "went",
                                                                                {"stage": "done"})


def test_counter_entity_signals_calls_and_reads_like_the_sample(host: LocalHost) -> None:
    key = f"patterns-{time.monotonic_ns()}"
    final = finished(start(host, "df_entity_counter", {"key": key, "adds": [5, 7, 30]}))
    assert final["runtimeStatus"] == "Completed"
    assert final["output"] == {"value": 42, "failure": "counter refused: on purpose", "after": 42}
    entity = host.url(f"/runtime/webhooks/durabletask/entities/df_counter_entity/{key}")
    keyed = {"x-functions-key": host.master_key}
    read = requests.get(entity, headers=keyed, timeout=30)
    assert (read.status_code, read.json()) == (200, 42)
    signalled = requests.post(entity, params={"op": "add"}, json=8, headers=keyed, timeout=30)
    assert signalled.status_code == 202
    deadline = time.monotonic() + HANG_GUARD_S
    while (value := requests.get(entity, headers=keyed, timeout=30).json()) != 50:
        assert time.monotonic() < deadline, f"the signal never arrived: {value}"
        time.sleep(0.05)
