"""The local durable engine runs the test app's orchestrators with Azure's observable behaviour.

One engine (real durabletask in-memory backend, worker and gRPC client) serves the module; each test starts
its own instances, so they are independent of order.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import azure.durable_functions as df
import azure.functions as func
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from azure.durable_functions.models.OrchestrationRuntimeStatus import OrchestrationRuntimeStatus as Status

from devhost.discovery import IndexedApp
from devhost.durable import DurableEngine, durable_functions_of
from devhost.durable.client import LocalDurableOrchestrationClient
from devhost.durable.discovery import activity_clients_of, entity_functions_of
from tests.devhost_app import call_http_app, durable_features
from tests.support.waiting import HANG_GUARD_S, wait_for

BASE_URL = "http://127.0.0.1:7071"
DONE = {Status.Completed, Status.Failed, Status.Terminated}


@pytest.fixture(scope="module")
def engine() -> Iterator[DurableEngine]:
    app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    app.register_functions(durable_features.bp)
    app = IndexedApp(app)   # FunctionApp.get_functions() can run only once
    orchestrators, activities = durable_functions_of(app)
    engine = DurableEngine(orchestrators=orchestrators, activities=activities, entities=entity_functions_of(app),
                           max_concurrent_activities=4, max_concurrent_orchestrators=4)
    engine.start()
    yield engine
    engine.stop(grace_seconds=2)


@pytest.fixture
def client(engine: DurableEngine) -> LocalDurableOrchestrationClient:
    return engine.client(BASE_URL)


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


async def wait_status(client: LocalDurableOrchestrationClient, instance_id: str, until: set[Status] = DONE,
                      timeout: float = HANG_GUARD_S) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        status = await client.get_status(instance_id)
        if status.runtime_status in until:
            return status
        if time.monotonic() > deadline:
            raise AssertionError(f"{instance_id} still {status.runtime_status} after {timeout}s")
        await asyncio.sleep(0.02)


def start_and_wait(client: LocalDurableOrchestrationClient, name: str, payload: Any = None,
                   instance_id: str | None = None) -> Any:
    async def go() -> Any:
        started = await client.start_new(name, instance_id, payload)
        return await wait_status(client, started)
    return run(go())


# --- context features -------------------------------------------------------------------------------------------
def test_fan_out_of_many_activities_gathers_every_result(client):
    status = start_and_wait(client, "df_fan_out", 200)
    assert status.runtime_status is Status.Completed
    assert status.output == {"count": 200, "sum": 2 * sum(range(200))}


def test_function_chaining_passes_each_output_to_the_next_step_in_order(client):
    status = start_and_wait(client, "df_chain", 3)
    assert status.output == [6, 12, 24]
    history = client.status_json(status.instance_id, show_history=True, show_history_output=True)["historyEvents"]
    assert [row.get("Result") for row in history if row["EventType"] == "TaskCompleted"] == [6, 12, 24]


def test_activity_failure_is_raised_in_the_orchestrator_with_the_activity_message(client):
    status = start_and_wait(client, "df_catch_failure", "disk on fire")
    assert status.runtime_status is Status.Completed
    caught = status.output["caught"]
    assert caught.startswith("Activity function 'df_fail' failed: ValueError: disk on fire \n ")
    # The second line is the serialized exception, which Azure apps sometimes parse.
    assert json.loads(caught.split("\n")[1])["Message"] == "ValueError: disk on fire"
    assert status.output["after"] == 42  # the orchestrator keeps working after catching


def test_uncaught_activity_failure_fails_the_instance_with_its_message(client):
    status = start_and_wait(client, "df_uncaught_failure", "kaput")
    assert status.runtime_status is Status.Failed
    assert status.output.startswith(
        "Orchestrator function 'df_uncaught_failure' failed: Activity function 'df_fail' failed: ValueError: kaput")


def test_task_all_fails_with_the_first_failure(client):
    status = start_and_wait(client, "df_fan_out_with_failure")
    assert status.output == "task_all failed: Activity function 'df_fail' failed: ValueError: one of many "


def test_retry_succeeds_on_the_third_attempt(client, tmp_path):
    counter = tmp_path / "attempts"
    status = start_and_wait(client, "df_retry", {"counter": str(counter), "fail_times": 2})
    assert status.output == {"succeeded_on_attempt": 3}
    assert counter.read_text() == "3"


def test_retry_gives_up_after_max_attempts(client, tmp_path):
    counter = tmp_path / "attempts"
    status = start_and_wait(client, "df_retry", {"counter": str(counter), "fail_times": 5})
    assert status.runtime_status is Status.Failed
    assert "RuntimeError: attempt 3 failed" in status.output
    assert counter.read_text() == "3"


def test_sub_orchestrators_plain_with_retry_and_failing(client, tmp_path):
    spec = {"value": 5, "flaky": {"counter": str(tmp_path / "c"), "fail_times": 1}}
    status = start_and_wait(client, "df_parent", spec, instance_id="parent-1")
    assert status.runtime_status is Status.Completed
    assert status.output["child"] == {"doubled": 10, "parent": "parent-1"}
    assert status.output["retried"] == 2
    assert status.output["failed"] == ("Orchestrator function 'df_uncaught_failure' failed: "
                                       "Activity function 'df_fail' failed: ValueError: child went wrong ")
    child = run(client.get_status("parent-1:child"))
    assert child.runtime_status is Status.Completed


def test_task_any_with_timer_times_out(client):
    started = time.monotonic()
    status = start_and_wait(client, "df_approval", 0.5)
    assert status.output == {"timed_out": True}
    assert time.monotonic() - started >= 0.45


def test_external_event_beats_the_timer_which_is_cancelled(client):
    async def go() -> Any:
        instance_id = await client.start_new("df_approval", None, 30)
        await wait_status(client, instance_id, {Status.Running})
        await client.raise_event(instance_id, "Approval", {"by": "ops"})
        return await wait_status(client, instance_id, timeout=HANG_GUARD_S)
    status = run(go())
    assert status.output == {"approved": {"by": "ops"}, "timer_cancelled": True}


def test_an_event_reaches_the_newest_wait_of_its_name_not_one_a_timer_left_open(client):
    async def go() -> Any:
        instance_id = await client.start_new("df_wait_again")
        deadline = time.monotonic() + HANG_GUARD_S
        while ((await client.get_status(instance_id)).custom_status or {}).get("round") != 2:
            assert time.monotonic() < deadline, "the first round's timer never fired"
            await asyncio.sleep(0.02)
        await client.raise_event(instance_id, "Turn", "yours")
        return await wait_status(client, instance_id)
    status = run(go())
    assert status.output == {"round_two": "event", "value": "yours", "abandoned_wait_completed": False}


def test_custom_status_is_visible_while_running_and_updated_at_the_end(client):
    async def go() -> tuple[Any, Any]:
        instance_id = await client.start_new("df_progress")
        deadline = time.monotonic() + HANG_GUARD_S
        waiting = await client.get_status(instance_id)
        while (waiting.custom_status or {}).get("stage") != "waiting" and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
            waiting = await client.get_status(instance_id)
        await client.raise_event(instance_id, "Go", "went")
        return waiting, await wait_status(client, instance_id)
    waiting, done = run(go())
    assert waiting.runtime_status is Status.Running
    assert waiting.custom_status == {"stage": "waiting", "replaying": False}
    assert done.custom_status == {"stage": "done"}
    assert done.output == "went"


def test_continue_as_new_restarts_with_the_new_input(client):
    status = start_and_wait(client, "df_counter", {"n": 0, "until": 3})
    assert status.runtime_status is Status.Completed
    assert status.output == {"n": 3, "until": 3}
    assert status.input_ == {"n": 3, "until": 3}


def test_new_uuid_is_deterministic_across_replays(client):
    status = start_and_wait(client, "df_uuids")
    # `first` is recomputed on the replay after the activity; it must equal what the first episode sent out.
    assert status.output["first"] == status.output["echoed"]
    assert status.output["first"] != status.output["second"]


def test_to_json_objects_cross_activity_boundaries_as_in_azure(client):
    status = start_and_wait(client, "df_money")
    assert status.output == {"cents": 500, "currency": "EUR", "type": "Money"}


def test_edge_cases_empty_task_all_and_failed_winner(client):
    status = start_and_wait(client, "df_edge_cases")
    assert status.output == {"empty": None, "winner_is_failing": True,
                             "winner_result": "Activity function 'df_fail' failed: ValueError: racer ", "again": 8}


# --- client operations -------------------------------------------------------------------------------------------
def test_unknown_instance_status_is_falsy_like_dfs_404(client):
    status = run(client.get_status("no-such-instance"))
    assert not status
    assert status.runtime_status is None


def test_start_new_rejects_unknown_orchestrators(client):
    with pytest.raises(Exception, match="doesn't exist"):
        run(client.start_new("df_nope"))


def test_terminate_then_purge(client):
    async def go() -> tuple[Any, Any, Any]:
        instance_id = await client.start_new("df_wait_forever", "term-1")
        await wait_status(client, instance_id, {Status.Running})
        await client.terminate(instance_id, "operator said so")
        terminated = await wait_status(client, instance_id)
        purged = await client.purge_instance_history(instance_id)
        return terminated, purged, await client.get_status(instance_id)
    terminated, purged, after = run(go())
    assert terminated.runtime_status is Status.Terminated
    assert terminated.output == "operator said so"
    assert purged.instances_deleted == 1
    assert not after


def test_raise_event_on_unknown_or_finished_instances_fails_like_df(client):
    done = start_and_wait(client, "df_echo_input", "x")
    with pytest.raises(Exception, match="is gone"):
        run(client.raise_event(done.instance_id, "Go", 1))
    with pytest.raises(Exception, match="No instance with ID"):
        run(client.raise_event("missing", "Go", 1))


def test_restart_with_new_and_same_instance_id(client):
    first = start_and_wait(client, "df_echo_input", {"again": True}, instance_id="restart-me")

    async def go() -> tuple[Any, Any]:
        new_id = await client.restart("restart-me", restart_with_new_instance_id=True)
        same_id = await client.restart("restart-me", restart_with_new_instance_id=False)
        return await wait_status(client, new_id), await wait_status(client, same_id)
    renewed, same = run(go())
    assert renewed.instance_id != "restart-me" and renewed.output == first.output
    assert same.instance_id == "restart-me" and same.output == {"again": True}


def test_get_status_by_returns_one_page_like_the_real_client(client):
    """azure-functions-durable 1.7 makes one request and ignores the continuation token: 100 rows at most (the
    extension's default page size), so code that needs more must page itself, locally as in Azure."""
    async def go() -> list[Any]:
        since = datetime.now(timezone.utc) - timedelta(seconds=1)
        ids = [await client.start_new("df_echo_input", f"page-{i:03d}", i) for i in range(150)]
        for instance_id in ids:
            await wait_status(client, instance_id)
        return await client.get_status_by(created_time_from=since, instance_id_prefix="page-")
    statuses = run(go())
    assert len(statuses) == 100
    assert len({s.instance_id for s in statuses}) == 100
    assert all(s.instance_id.startswith("page-") for s in statuses)
    everything = run(client.get_status_all())
    assert len(everything) == 100


@pytest.mark.live  # an in-process HTTP server on a loopback port
def test_the_status_route_pages_with_the_continuation_token_header(engine):
    """The extension's GET /instances answers one page and the `x-ms-continuation-token` header of the next."""
    async def go() -> tuple[list[str], list[int]]:
        local = engine.client(BASE_URL)
        for i in range(7):
            instance_id = await local.start_new("df_echo_input", f"token-{i}", i)
            await wait_status(local, instance_id)
        app = web.Application()
        engine.add_management_routes(app, base_url_for=lambda request: BASE_URL)
        seen: list[str] = []
        sizes: list[int] = []
        async with TestClient(TestServer(app)) as http:
            token: str | None = None
            while True:
                headers = {"x-ms-continuation-token": token} if token else {}
                response = await http.get("/runtime/webhooks/durabletask/instances",
                                          params={"instanceIdPrefix": "token-", "top": "3"}, headers=headers)
                assert response.status == 200
                rows = await response.json()
                sizes.append(len(rows))
                seen += [row["instanceId"] for row in rows]
                token = response.headers.get("x-ms-continuation-token")
                if not token:
                    return seen, sizes
    seen, sizes = run(go())
    assert sorted(seen) == [f"token-{i}" for i in range(7)]
    assert sizes[:3] == [3, 3, 1]


@pytest.mark.slow
def test_sub_orchestration_longer_than_thirty_seconds_completes_the_parent(client):
    """durabletask 1.12's in-memory backend stopped watching a child after 30 s and the parent stayed Running."""
    async def go() -> Any:
        instance_id = await client.start_new("df_slow_parent", None, 31.0)
        return await wait_status(client, instance_id, timeout=90)
    status = run(go())
    assert status.runtime_status is Status.Completed
    assert status.output == {"child": 31.0}


def test_purge_by_filter_counts_what_it_deletes(client):
    since = datetime.now(timezone.utc)
    for i in range(3):
        start_and_wait(client, "df_echo_input", i, instance_id=f"purge-{i}")
    result = run(client.purge_instance_history_by(created_time_from=since, runtime_status=[Status.Completed]))
    assert result.instances_deleted >= 3
    assert not run(client.get_status("purge-1"))
    with pytest.raises(ValueError):
        run(client.purge_instance_history_by())


def test_check_status_response_has_the_extension_payload(client):
    request = func.HttpRequest(method="POST", url="http://example.test:7071/api/start", body=b"")
    response = client.create_check_status_response(request, "abc 1")
    assert response.status_code == 202
    body = json.loads(response.get_body())
    prefix = "http://example.test:7071/runtime/webhooks/durabletask/instances/abc%201"
    query = "taskHub=TestHubName&connection=Storage"
    assert body == {
        "id": "abc 1",
        "statusQueryGetUri": f"{prefix}?{query}",
        "sendEventPostUri": f"{prefix}/raiseEvent/{{eventName}}?{query}",
        "terminatePostUri": f"{prefix}/terminate?reason={{text}}&{query}",
        "rewindPostUri": f"{prefix}/rewind?reason={{text}}&{query}",
        "purgeHistoryDeleteUri": f"{prefix}?{query}",
        "restartPostUri": f"{prefix}/restart?{query}",
        "suspendPostUri": f"{prefix}/suspend?reason={{text}}&{query}",
        "resumePostUri": f"{prefix}/resume?reason={{text}}&{query}",
    }
    assert response.headers["Location"] == body["statusQueryGetUri"]
    assert client.create_http_management_payload("x")["statusQueryGetUri"].startswith(
        f"{BASE_URL}/runtime/webhooks/durabletask/instances/x?")


def test_wait_for_completion_returns_the_output_or_the_check_status_response(client):
    request = func.HttpRequest(method="POST", url=f"{BASE_URL}/api/start", body=b"")

    async def go() -> tuple[Any, Any]:
        done_id = await client.start_new("df_echo_input", None, {"v": 1})
        done = await client.wait_for_completion_or_create_check_status_response(request, done_id, 5000, 50)
        waiting_id = await client.start_new("df_wait_forever")
        pending = await client.wait_for_completion_or_create_check_status_response(request, waiting_id, 200, 50)
        await client.terminate(waiting_id, "cleanup")
        return done, pending
    done, pending = run(go())
    assert done.status_code == 200 and json.loads(done.get_body()) == {"v": 1}
    assert pending.status_code == 202 and "statusQueryGetUri" in json.loads(pending.get_body())


def test_each_activity_and_orchestrator_episode_is_logged_as_an_invocation(client, caplog):
    with caplog.at_level(logging.INFO, logger="devhost.functions"):
        status = start_and_wait(client, "df_catch_failure", "logged")
    lines = [r.getMessage() for r in caplog.records if r.name == "devhost.functions"]
    mine = [line for line in lines if status.instance_id in line or "df_" in line]
    assert any(line.startswith("Executing 'Functions.df_fail'") for line in mine)
    assert any(line.startswith("Executed 'Functions.df_fail' (Failed") for line in mine)
    assert any(line.startswith(f"Executing 'Functions.df_catch_failure' (Reason='OrchestrationTrigger "
                               f"{status.instance_id}'") for line in mine)
    assert any(line.startswith("Executed 'Functions.df_catch_failure' (Succeeded") for line in mine)


# --- management HTTP API ---------------------------------------------------------------------------------------------
@pytest.mark.live  # holds a loopback port open (no server)
def test_management_routes_follow_the_extension_status_codes(engine):
    async def go() -> None:
        app = web.Application()
        engine.add_management_routes(app, lambda request: f"{request.scheme}://{request.host}")
        async with TestClient(TestServer(app)) as http:
            base = "/runtime/webhooks/durabletask"
            start = await http.post(f"{base}/orchestrators/df_progress/http-1")
            assert start.status == 202
            payload = await start.json()
            assert payload["id"] == "http-1" and start.headers["Location"] == payload["statusQueryGetUri"]

            running = await http.get(f"{base}/instances/http-1")
            assert running.status == 202 and running.headers["Retry-After"] == "5"
            body = await running.json()
            assert set(body) == {"name", "instanceId", "runtimeStatus", "input", "customStatus", "output",
                                 "createdTime", "lastUpdatedTime"}
            assert body["name"] == "df_progress" and body["createdTime"].endswith("Z")

            bad = await http.post(f"{base}/instances/http-1/raiseEvent/Go", data="x",
                                  headers={"Content-Type": "text/plain"})
            assert bad.status == 400
            raised = await http.post(f"{base}/instances/http-1/raiseEvent/Go", json={"ok": True})
            assert raised.status == 202
            deadline = time.monotonic() + HANG_GUARD_S
            while (done := await http.get(f"{base}/instances/http-1")).status != 200 and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            assert (await done.json())["output"] == {"ok": True}
            assert (await http.post(f"{base}/instances/http-1/terminate?reason=late")).status == 410
            assert (await http.get(f"{base}/instances/missing")).status == 404

            for extra in ("http-2", "http-3"):  # paging needs more than one page whatever ran before this test
                assert (await http.post(f"{base}/orchestrators/df_progress/{extra}")).status == 202
            listing = await http.get(f"{base}/instances", params={"top": "2"})
            assert listing.status == 200 and len(await listing.json()) == 2
            token = listing.headers["x-ms-continuation-token"]
            following = await http.get(f"{base}/instances", params={"top": "2"},
                                       headers={"x-ms-continuation-token": token})
            assert {r["instanceId"] for r in await following.json()}.isdisjoint(
                {r["instanceId"] for r in await listing.json()})

            restarted = await http.post(f"{base}/instances/http-1/restart?restartWithNewInstanceId=true")
            assert restarted.status == 202
            new_id = (await restarted.json())["id"]
            assert new_id != "http-1"
            assert (await http.post(f"{base}/instances/{new_id}/terminate?reason=stop")).status == 202

            for extra in ("http-2", "http-3"):
                assert (await http.post(f"{base}/instances/{extra}/terminate?reason=done")).status == 202
            deleted = await http.delete(f"{base}/instances/http-1")
            assert deleted.status == 200 and await deleted.json() == {"instancesDeleted": 1}
            assert (await http.delete(f"{base}/instances/http-1")).status == 404
    run(go())


def test_suspend_and_resume(engine, client):
    async def go() -> tuple[Any, Any]:
        instance_id = await client.start_new("df_wait_forever", "suspend-1")
        await wait_status(client, instance_id, {Status.Running})
        await client.suspend(instance_id, "maintenance")
        suspended = await wait_status(client, instance_id, {Status.Suspended})
        await client.resume(instance_id, "back")
        resumed = await wait_status(client, instance_id, {Status.Running})
        await client.terminate(instance_id, "done")
        return suspended, resumed
    suspended, resumed = run(go())
    assert suspended.runtime_status is Status.Suspended
    assert resumed.runtime_status is Status.Running


def test_rewind_reruns_the_failed_activity(client, tmp_path):
    counter = tmp_path / "rewind"

    async def go() -> tuple[Any, Any]:
        instance_id = await client.start_new("df_flaky_child", None, {"counter": str(counter), "fail_times": 1})
        failed = await wait_status(client, instance_id)
        await client.rewind(instance_id, "fixed")
        return failed, await wait_status(client, instance_id, {Status.Completed}, timeout=HANG_GUARD_S)
    failed, rewound = run(go())
    assert failed.runtime_status is Status.Failed
    assert rewound.output == 2


def test_status_between_continue_as_new_generations_is_running_never_pending(client):
    """The extension shows Running between generations; upstream parked the instance in Pending."""
    async def go() -> tuple[list[Status], Any]:
        instance_id = await client.start_new("df_counter", None, {"n": 0, "until": 40})
        seen: list[Status] = []
        while True:
            status = await client.get_status(instance_id)
            if not seen or seen[-1] is not status.runtime_status:
                seen.append(status.runtime_status)
            if status.runtime_status in DONE:
                return seen, status
            await asyncio.sleep(0)
    seen, final = run(go())
    assert final.runtime_status is Status.Completed and final.output == {"n": 40, "until": 40}
    # Pending only before the first episode (as in Azure); once Running, never back to Pending.
    after_start = seen[seen.index(Status.Running):]
    assert Status.Pending not in after_start, seen


def test_a_failed_orchestrator_is_logged_with_its_reason_and_a_short_traceback(client, caplog):
    with caplog.at_level(logging.INFO, logger="devhost.functions"):
        status = start_and_wait(client, "df_uncaught_failure", "the reason is here")
        assert status.runtime_status is Status.Failed

        def logged() -> list[logging.LogRecord]:   # the worker logs the episode after the engine has its result
            return [r for r in caplog.records if r.name == "devhost.functions"
                    and r.getMessage().startswith("Executed 'Functions.df_uncaught_failure' (Failed")]
        failed = wait_for(logged, "the failed episode's log line")
    assert failed[-1].levelno == logging.ERROR
    text = failed[-1].getMessage()
    assert "Orchestrator function 'df_uncaught_failure' failed: Activity function 'df_fail' failed: " \
           "ValueError: the reason is here" in text
    assert "Stack:" in text and 'File "' in text


def test_history_has_real_timestamps_and_the_documented_rows(client):
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    status = start_and_wait(client, "df_catch_failure", "history please")
    payload = client.status_json(status.instance_id, show_history=True, show_history_output=False)
    rows = payload["historyEvents"]
    assert [r["EventType"] for r in rows] == ["ExecutionStarted", "TaskFailed", "TaskCompleted", "ExecutionCompleted"]
    assert all(datetime.fromisoformat(r["Timestamp"].replace("Z", "+00:00")) >= before for r in rows)
    failed = rows[1]
    assert failed["FunctionName"] == "df_fail" and failed["Reason"] == "history please"
    assert "Traceback" not in failed["Details"] and 'File "' not in failed["Details"]
    assert rows[2]["FunctionName"] == "df_double" and "Result" not in rows[2]
    assert rows[-1]["OrchestrationStatus"] == "Completed"


# --- entities and call_http ------------------------------------------------------------------------------------------
def test_entity_signals_calls_failures_and_state_like_the_counter_sample(client):
    status = start_and_wait(client, "df_entity_counter", {"key": "sample", "adds": [5, 7, 30]})
    assert status.runtime_status is Status.Completed, status.output
    assert status.output == {"value": 42, "failure": "counter refused: on purpose", "after": 42}
    state = run(client.read_entity_state(df.EntityId("df_counter_entity", "sample")))
    assert (state.entity_exists, state.entity_state) == (True, 42)


def test_client_signal_entity_and_read_entity_state(client):
    counter = df.EntityId("DF_Counter_Entity", "client")   # names are case-insensitive, as in the extension
    missing = run(client.read_entity_state(counter))
    assert (missing.entity_exists, missing.entity_state) == (False, None)

    async def go() -> Any:
        await client.signal_entity(counter, "add", 3)
        await client.signal_entity(counter, "add", 4)
        deadline = time.monotonic() + HANG_GUARD_S
        while True:
            state = await client.read_entity_state(counter)
            if state.entity_exists and state.entity_state == 7 or time.monotonic() > deadline:
                return state
            await asyncio.sleep(0.02)
    assert run(go()).entity_state == 7

    async def delete() -> Any:
        await client.signal_entity(counter, "delete")
        deadline = time.monotonic() + HANG_GUARD_S
        while True:
            state = await client.read_entity_state(counter)
            if not state.entity_exists or time.monotonic() > deadline:
                return state
            await asyncio.sleep(0.02)
    assert not run(delete()).entity_exists
    with pytest.raises(Exception, match="404"):
        run(client.signal_entity(df.EntityId("no_such_entity", "k"), "add", 1))


def test_an_entity_serializes_concurrent_operations(client):
    """Twenty orchestrations add 1 to the same counter at once: each sees a distinct value and none is lost."""
    async def go() -> list[Any]:
        ids = [await client.start_new("df_entity_add_one", None, "serial") for _ in range(20)]
        return [await wait_status(client, instance_id) for instance_id in ids]
    results = run(go())
    assert all(r.runtime_status is Status.Completed for r in results)
    assert sorted(r.output for r in results) == list(range(1, 21))
    assert run(client.read_entity_state(df.EntityId("df_counter_entity", "serial"))).entity_state == 20


def test_call_http_fails_the_orchestration_with_a_clear_message():
    """The run-time backstop behind the start-up refusal (devhost.discovery.refuse_unemulated), which does not see a
    call made from a helper: run on the engine alone, the orchestrator the host refuses fails with the reason."""
    app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    app.register_functions(call_http_app.bp)
    orchestrators, activities = durable_functions_of(IndexedApp(app))
    engine = DurableEngine(orchestrators=orchestrators, activities=activities, max_concurrent_activities=1,
                           max_concurrent_orchestrators=1)
    engine.start()
    try:
        status = start_and_wait(engine.client(BASE_URL), "df_call_http")
    finally:
        engine.stop(grace_seconds=2)
    assert status.runtime_status is Status.Failed
    assert "call_http('GET', 'https://example.invalid/status') is not emulated by the local host" in status.output


def test_engine_noise_stays_out_of_the_log(client, caplog):
    """A terminate and a failed entity operation log what the real host logs, not durabletask's own lines."""
    with caplog.at_level(logging.DEBUG):
        async def go() -> None:
            instance_id = await client.start_new("df_wait_forever", "noise-1")
            await wait_status(client, instance_id, {Status.Running})
            await client.terminate(instance_id, "quiet please")
            await wait_status(client, instance_id)
        run(go())
        start_and_wait(client, "df_entity_counter", {"key": "noise", "adds": [1]})
    texts = [r.getMessage() for r in caplog.records]
    assert not any("Recursive termination" in t for t in texts)
    assert not [r for r in caplog.records if r.name.startswith("devhost.durable") and isinstance(r.msg, Exception)]
    assert any(t.startswith("Executed 'Functions.df_counter_entity' (Failed") for t in texts)


raising = df.Blueprint()


@raising.orchestration_trigger(context_name="context", orchestration="df_wait_for_go")
def df_wait_for_go(context: df.DurableOrchestrationContext) -> Any:
    go = context.wait_for_external_event("go")
    timeout = context.create_timer(context.current_utc_datetime + timedelta(minutes=5))
    winner = yield context.task_any([go, timeout])
    if winner is not timeout:
        timeout.cancel()
        return {"woken": go.result}
    return "timed out"


@raising.orchestration_trigger(context_name="context", orchestration="df_send_go")
def df_send_go(context: df.DurableOrchestrationContext) -> Any:
    return (yield context.call_activity("df_raise_go", context.get_input()))


@raising.activity_trigger(input_name="target", activity="df_raise_go")
@raising.durable_client_input(client_name="client")
async def df_raise_go(target: str, client: df.DurableOrchestrationClient) -> str:
    await client.raise_event(target, "go", {"from": "an activity"})
    return "raised"


def test_an_activity_with_a_durable_client_binding_raises_an_event_to_another_orchestration():
    """As in Azure, an activity may take the `durableClient` binding (DF's wrapper parses the JSON the worker
    passes; the local host hands the client itself): the analyzer's finalize wakes the next job in line this way."""
    app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    app.register_functions(raising)
    indexed = IndexedApp(app)
    orchestrators, activities = durable_functions_of(indexed)
    assert activity_clients_of(indexed) == {"df_raise_go": "client"}
    engine = DurableEngine(orchestrators=orchestrators, activities=activities, max_concurrent_activities=2,
                           max_concurrent_orchestrators=2, activity_clients=activity_clients_of(indexed))
    engine.client_factory = lambda invocation_id: engine.client(BASE_URL, invocation_id)
    engine.start()
    try:
        client = engine.client(BASE_URL)

        async def go() -> tuple[Any, Any]:
            waiting = await client.start_new("df_wait_for_go", "waiting-for-go")
            await wait_status(client, waiting, {Status.Running})
            sender = await client.start_new("df_send_go", None, waiting)
            return await wait_status(client, sender), await wait_status(client, waiting)
        sent, woken = run(go())
    finally:
        engine.stop(grace_seconds=2)
    assert sent.runtime_status is Status.Completed and sent.output == "raised"
    assert woken.runtime_status is Status.Completed and woken.output == {"woken": {"from": "an activity"}}
