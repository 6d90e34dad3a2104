"""Indexing refuses what the local host cannot run: an orchestrator using `context.call_http` stops the start with the
real host's indexing-error form (exit 2, the function named), while the test app without one indexes and starts."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import azure.durable_functions as df
import azure.functions as func
import pytest

from devhost.azurite import free_port
from devhost.discovery import IndexedApp, IndexingError, discover, refuse_unemulated, unemulated_calls
from tests.devhost_app import durable_features, triggers_http, triggers_queue, triggers_timer

REPO_ROOT = Path(__file__).resolve().parents[2]


def call_http(*args: Any) -> None:
    """A module function that merely shares the name: calling it is no durable HTTP call."""


def direct(context: Any) -> Any:
    response = yield context.call_http("GET", "https://example.invalid/")
    return response


def in_a_comprehension(context: Any) -> Any:
    results = yield context.task_all([context.call_http("GET", url) for url in context.get_input()])
    return results


def in_an_inner_function(context: Any) -> Any:
    def probe() -> Any:
        return context.call_http("GET", "https://example.invalid/")
    result = yield probe()
    return result


def bound_then_called(context: Any) -> Any:
    fetch = context.call_http
    result = yield fetch("GET", "https://example.invalid/")
    return result


def innocent(context: Any) -> Any:
    call_http("not durable")
    value = yield context.call_activity("call_http", context.get_input())
    return value


@pytest.mark.parametrize("orchestrator", [direct, in_a_comprehension, in_an_inner_function, bound_then_called])
def test_every_way_an_orchestrator_reaches_call_http_is_found_with_its_line(orchestrator: Any) -> None:
    calls = unemulated_calls(orchestrator)
    assert [method for method, _ in calls] == ["call_http"]
    source, first = orchestrator.__code__.co_filename, orchestrator.__code__.co_firstlineno
    line = calls[0][1]
    assert line is not None and first < line
    assert "call_http" in Path(source).read_text().splitlines()[line - 1]


def test_a_name_that_is_not_a_context_attribute_is_not_a_durable_http_call() -> None:
    assert unemulated_calls(innocent) == []
    refuse_unemulated("innocent", innocent)    # does not raise


def test_the_refusal_names_the_function_the_method_and_the_place() -> None:
    with pytest.raises(IndexingError) as caught:
        refuse_unemulated("poller", direct)
    message = str(caught.value)
    assert message.startswith("Error indexing method 'Functions.poller': the orchestrator uses context.call_http (")
    assert f"{__file__}:{direct.__code__.co_firstlineno + 1}" in message
    assert "does not emulate" in message and "activity" in message


def test_the_test_app_without_call_http_indexes_with_its_orchestrators(monkeypatch: pytest.MonkeyPatch) -> None:
    for setting in ("DEVHOST_TEST_WORK_QUEUE", "DEVHOST_TEST_FAIL_QUEUE", "DEVHOST_TEST_SLOW_TIMER_SCHEDULE"):
        monkeypatch.setenv(setting, "x")   # indexing needs them set; nothing is scheduled or polled here
    app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)
    for blueprint in (triggers_http.bp, triggers_timer.bp, triggers_queue.bp, durable_features.bp):
        app.register_functions(blueprint)
    functions = discover(IndexedApp(app))
    orchestrators = {f.name for f in functions if f.trigger.get("type") == "orchestrationTrigger"}
    assert {"chain", "fan_out", "approval", "parent"} <= orchestrators


def test_an_app_whose_orchestrator_uses_call_http_does_not_start() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "devhost", "--app", "tests.devhost_app.call_http_app:app", "--port", str(free_port())],
        cwd=REPO_ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    message = result.stderr.strip()
    assert message.startswith("error: Error indexing method 'Functions.call_http_orchestrator': the orchestrator "
                              "uses context.call_http (")
    assert "tests/devhost_app/call_http_app.py:13)" in message
    assert "Traceback" not in result.stdout + result.stderr
    assert "Host started" not in result.stdout
