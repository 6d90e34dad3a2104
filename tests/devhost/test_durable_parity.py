"""The local adapter behaves like azure-functions-durable's own replay machinery on the same generators.

The reference run drives each test-app orchestrator through `azure.durable_functions.Orchestrator.handle` (the
code Azure's Python worker runs), episode by episode: the history is grown the way the extension grows it, from
the actions DF emits, with activity outcomes obtained by calling the real activity functions. The local run
uses the durable engine. The scheduled activities (name and input, in order), the final status, output and
custom status must agree, so any behavioural difference in the adapter fails here.
"""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import azure.durable_functions as df
import azure.functions as func
import pytest
from azure.durable_functions.constants import DATETIME_STRING_FORMAT
from azure.durable_functions.models.DurableOrchestrationContext import DurableOrchestrationContext
from azure.durable_functions.models.history.HistoryEventType import HistoryEventType as H
from azure.durable_functions.models.OrchestrationRuntimeStatus import OrchestrationRuntimeStatus as Status
from azure.durable_functions.models.ReplaySchema import ReplaySchema
from azure.durable_functions.orchestrator import Orchestrator
from azure.functions._durable_functions import df_dumps, df_loads
from durabletask.task import FailureDetails

from devhost.discovery import IndexedApp
from devhost.durable import DurableEngine, durable_functions_of
from devhost.durable.discovery import entity_functions_of
from devhost.durable.failures import task_failed_details, task_failed_reason
from tests.devhost_app import durable_features
from tests.support.waiting import HANG_GUARD_S

CALL_ACTIVITY, CONTINUE_AS_NEW, CREATE_TIMER, WAIT_FOR_EVENT = 0, 4, 5, 6


def _functions() -> tuple[dict[str, Callable], dict[str, tuple[Callable, str]], dict[str, Callable]]:
    app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    app.register_functions(durable_features.bp)
    indexed = IndexedApp(app)
    return (*durable_functions_of(indexed), entity_functions_of(indexed))


ORCHESTRATORS, ACTIVITIES, ENTITIES = _functions()


class ReferenceRun:
    """Replays one orchestrator through DF's TaskOrchestrationExecutor, standing in for the extension."""

    def __init__(self, name: str, input_value: Any, *, events: dict[str, Any] | None = None,
                 timers_fire: bool = True):
        self.name = name
        self.input_json = df_dumps(input_value) if input_value is not None else None
        self.events = events or {}
        self.timers_fire = timers_fire
        self.instance_id = "parity-instance"
        self.clock = datetime(2026, 1, 1, tzinfo=timezone.utc)
        self.scheduled: list[tuple[str, Any]] = []
        self.custom_status: Any = None

    def _event(self, kind: H, event_id: int = -1, **fields: Any) -> dict[str, Any]:
        self.clock += timedelta(milliseconds=10)
        return {"EventType": kind, "EventId": event_id, "IsPlayed": False,
                "Timestamp": self.clock.strftime(DATETIME_STRING_FORMAT), **fields}

    def run(self) -> tuple[Status, Any]:
        for _ in range(10):  # continue_as_new generations
            outcome = self._execution()
            if outcome[0] is not Status.ContinuedAsNew:
                return outcome
            self.input_json = outcome[1]
            self.scheduled = []  # a new generation starts a new history, locally as in Azure
        raise AssertionError("too many continue_as_new generations")

    def _execution(self) -> tuple[Status, Any]:
        history = [self._event(H.ORCHESTRATOR_STARTED),
                   self._event(H.EXECUTION_STARTED, Name=self.name, Input=self.input_json, Version="")]
        seen_actions = 0
        next_id = 0
        for _ in range(200):  # episodes
            context = DurableOrchestrationContext(
                history=history, instanceId=self.instance_id, isReplaying=False, parentInstanceId=None,
                input=self.input_json, upperSchemaVersion=ReplaySchema.V1.value)
            try:
                state = json.loads(Orchestrator(ORCHESTRATORS[self.name]).handle(context))
            except Exception as failure:  # DF raises with the state after a `$OutOfProcData$:` marker
                state = json.loads(str(failure).split("$OutOfProcData$:", 1)[1])
                self.custom_status = state.get("customStatus")
                return Status.Failed, f"Orchestrator function '{self.name}' failed: {state['error']}"
            self.custom_status = state.get("customStatus")
            actions = [action for group in state["actions"] for action in group]
            new_actions, seen_actions = actions[seen_actions:], len(actions)
            if any(a["actionType"] == CONTINUE_AS_NEW for a in new_actions):
                can = next(a for a in new_actions if a["actionType"] == CONTINUE_AS_NEW)
                self._schedule_activities(new_actions, history, next_id)
                return Status.ContinuedAsNew, can["input"]
            if state["isDone"]:
                self._schedule_activities(new_actions, history, next_id)
                return Status.Completed, state.get("output")
            history.append(self._event(H.ORCHESTRATOR_COMPLETED))
            history.append(self._event(H.ORCHESTRATOR_STARTED))
            next_id = self._schedule_activities(new_actions, history, next_id, deliver=True)
        raise AssertionError("orchestration did not finish")

    def _schedule_activities(self, actions: list[dict[str, Any]], history: list[dict[str, Any]], next_id: int,
                             deliver: bool = False) -> int:
        for action in actions:
            kind = action["actionType"]
            if kind == CALL_ACTIVITY:
                task_id, next_id = next_id, next_id + 1
                activity_input = df_loads(action["input"]) if action.get("input") is not None else None
                self.scheduled.append((action["functionName"], json.loads(action["input"] or "null")))
                if deliver:
                    history.append(self._event(H.TASK_SCHEDULED, task_id, Name=action["functionName"]))
                    history.append(self._activity_outcome(task_id, action["functionName"], activity_input))
            elif kind == CREATE_TIMER:
                task_id, next_id = next_id, next_id + 1
                if deliver:
                    history.append(self._event(H.TIMER_CREATED, task_id, FireAt=action["fireAt"]))
                    if self.timers_fire:
                        history.append(self._event(H.TIMER_FIRED, TimerId=task_id, FireAt=action["fireAt"]))
            elif kind == WAIT_FOR_EVENT:
                name = action["externalEventName"]
                if deliver and name in self.events:
                    history.append(self._event(H.EVENT_RAISED, Name=name, Input=json.dumps(self.events.pop(name))))
        return next_id

    def _activity_outcome(self, task_id: int, name: str, activity_input: Any) -> dict[str, Any]:
        function, input_name = ACTIVITIES[name]
        try:
            result = function(**{input_name: activity_input})
            if asyncio.iscoroutine(result):
                result = asyncio.run(result)
        except Exception as exc:  # noqa: BLE001 - becomes the TaskFailed event, as in the extension
            details = FailureDetails(str(exc), f"{type(exc).__module__}.{type(exc).__name__}", None)
            return self._event(H.TASK_FAILED, TaskScheduledId=task_id,
                               Reason=task_failed_reason("Activity", name, details),
                               Details=task_failed_details(details))
        return self._event(H.TASK_COMPLETED, TaskScheduledId=task_id, Result=df_dumps(result))


@pytest.fixture(scope="module")
def engine() -> Iterator[DurableEngine]:
    engine = DurableEngine(orchestrators=ORCHESTRATORS, activities=ACTIVITIES, entities=ENTITIES,
                           max_concurrent_activities=4, max_concurrent_orchestrators=4)
    engine.start()
    yield engine
    engine.stop(grace_seconds=2)


def local_run(engine: DurableEngine, name: str, input_value: Any, events: dict[str, Any]) -> tuple[Any, list]:
    client = engine.client("http://127.0.0.1:7071")

    async def go() -> Any:
        instance_id = await client.start_new(name, None, input_value)
        deadline = time.monotonic() + HANG_GUARD_S
        pending = dict(events)
        while True:
            status = await client.get_status(instance_id)
            if status.runtime_status in (Status.Completed, Status.Failed):
                return instance_id, status
            if pending and status.runtime_status is Status.Running:
                for event_name, data in list(pending.items()):
                    await client.raise_event(instance_id, event_name, data)
                    del pending[event_name]
            assert time.monotonic() < deadline, f"{name} did not finish"
            await asyncio.sleep(0.02)

    instance_id, status = asyncio.run(go())
    scheduled = [(event.name, json.loads(event.input) if event.input else None)
                 for event in engine.grpc_client.get_orchestration_history(instance_id)
                 if type(event).__name__ == "TaskScheduledEvent"]
    return status, scheduled


CASES = [
    pytest.param("df_chain", 5, {}, True, id="chaining"),
    pytest.param("df_fan_out", 12, {}, True, id="fan-out"),
    pytest.param("df_catch_failure", "disk on fire", {}, True, id="caught-activity-failure"),
    pytest.param("df_uncaught_failure", "kaput", {}, True, id="uncaught-activity-failure"),
    pytest.param("df_fan_out_with_failure", None, {}, True, id="task-all-first-failure"),
    pytest.param("df_uuids", None, {}, True, id="new-uuid"),
    pytest.param("df_money", None, {}, True, id="to-json-payloads"),
    pytest.param("df_counter", {"n": 0, "until": 3}, {}, True, id="continue-as-new"),
    pytest.param("df_edge_cases", None, {}, True, id="empty-task-all-and-failed-winner"),
    pytest.param("df_approval", 0, {}, True, id="timer-wins"),
    pytest.param("df_approval", 30, {"Approval": {"by": "ops"}}, False, id="event-wins-timer-cancelled"),
    pytest.param("df_progress", None, {"Go": "went"}, True, id="custom-status-and-event"),
    pytest.param("df_human_interaction", {"who": "ops", "seconds": 0}, {}, True, id="human-interaction-deadline"),
    pytest.param("df_human_interaction", {"who": "ops", "seconds": 30}, {"Answer": "alice"}, False,
                 id="human-interaction-answer"),
]


@pytest.mark.parametrize(("name", "input_value", "events", "timers_fire"), CASES)
def test_local_adapter_matches_durable_functions_replay(engine, name, input_value, events, timers_fire):
    reference = ReferenceRun(name, input_value, events=dict(events), timers_fire=timers_fire)
    expected_status, expected_output = reference.run()
    status, scheduled = local_run(engine, name, input_value, events)

    assert [n for n, _ in scheduled] == [n for n, _ in reference.scheduled]
    assert scheduled == reference.scheduled or name == "df_uuids"  # uuids embed the instance id
    assert status.runtime_status is expected_status
    if name == "df_uuids":
        # Same algorithm, different instance id and clock: compare the shape DF guarantees instead.
        assert status.output["first"] == status.output["echoed"] != status.output["second"]
        assert expected_output["first"] == expected_output["echoed"] != expected_output["second"]
    else:
        assert status.output == expected_output
    assert status.custom_status == reference.custom_status


def test_new_uuid_matches_dfs_algorithm_for_the_same_instance_and_clock():
    """Same instance id and orchestration time give the same ids as DF's own context."""
    moment = datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=timezone.utc)
    history = [{"EventType": H.ORCHESTRATOR_STARTED, "EventId": -1, "IsPlayed": False,
                "Timestamp": moment.strftime(DATETIME_STRING_FORMAT)},
               {"EventType": H.EXECUTION_STARTED, "EventId": -1, "IsPlayed": False,
                "Timestamp": moment.strftime(DATETIME_STRING_FORMAT), "Name": "x", "Version": ""}]
    reference = DurableOrchestrationContext(history=history, instanceId="abc", isReplaying=False,
                                            parentInstanceId=None)

    class FakeInner:  # only what new_uuid reads from durabletask's context
        instance_id = "abc"
        current_utc_datetime = moment.replace(tzinfo=None)

    from durabletask.worker import _RuntimeOrchestrationContext
    inner = _RuntimeOrchestrationContext.__new__(_RuntimeOrchestrationContext)
    inner._instance_id, inner._new_uuid_counter = "abc", 0
    inner._current_utc_datetime = moment.replace(tzinfo=None)
    from devhost.durable.context import LocalDurableOrchestrationContext
    local = LocalDurableOrchestrationContext(inner, None, "x")
    assert [local.new_uuid() for _ in range(3)] == [reference.new_uuid() for _ in range(3)]
    assert local.current_utc_datetime == reference.current_utc_datetime


# --- the durable client: every call the app makes, local client vs the real client over the HTTP API ---------------
# The real `DurableOrchestrationClient` (azure-functions-durable) talks HTTP to the extension; here it talks to the
# local host's emulation of that API (devhost.durable.routes), and its parsed answers must equal what the local
# client returns for the same calls. App calls (grep triggers/): start_new, get_status (with and without history),
# get_status_all, terminate, create_check_status_response; plus raise_event, get_status_by and purge, which the
# durable starters and operators use.
HISTORY_DOCUMENTED = {
    # The extension's `showHistory=true&showHistoryOutput=true` rows: the HTTP API reference's example ("Get instance
    # status") for the first three; the rest follow the extension's DurableClient.GetDurableOrchestrationStatusAsync
    # rules over DurableTask.Core's event fields: no episode bookends, no TaskScheduled/SubOrchestrationInstanceCreated
    # (their FunctionName and ScheduledTime move to the outcome), `Input` dropped from ExecutionStarted and
    # EventRaised, `TimerId` from TimerFired, `EventId`/`IsPlayed` from every row.
    "ExecutionStarted": {"EventType", "FunctionName", "Timestamp"},
    "TaskCompleted": {"EventType", "FunctionName", "Result", "ScheduledTime", "Timestamp"},
    "ExecutionCompleted": {"EventType", "OrchestrationStatus", "Result", "Timestamp"},
    "TaskFailed": {"EventType", "FunctionName", "ScheduledTime", "Reason", "Details", "Timestamp"},
    "SubOrchestrationInstanceCompleted": {"EventType", "FunctionName", "Result", "ScheduledTime", "Timestamp"},
    "SubOrchestrationInstanceFailed": {"EventType", "FunctionName", "ScheduledTime", "Reason", "Details",
                                       "Timestamp"},
    "TimerCreated": {"EventType", "FireAt", "Timestamp"},
    "TimerFired": {"EventType", "FireAt", "Timestamp"},
    "EventRaised": {"EventType", "Name", "Timestamp"},
}
# A failed orchestration's ExecutionCompleted also carries DurableTask.Core's `Details` (the serialized exception).
FAILED_COMPLETION = HISTORY_DOCUMENTED["ExecutionCompleted"] | {"Details"}


def _real_client(base: str, local: Any) -> Any:
    from azure.durable_functions.models.DurableOrchestrationClient import DurableOrchestrationClient
    management = local.get_client_response_links(None, "INSTANCEID")
    return DurableOrchestrationClient(json.dumps({
        "taskHubName": local.task_hub_name, "creationUrls": {}, "managementUrls": management,
        "rpcBaseUrl": f"{base}/runtime/webhooks/durabletask/"}))


async def _close_real_client(server: Any) -> None:
    """Close the real client's module-level HTTP session (azure-functions-durable keeps one per process) and the
    server it talked to, so the next test starts from a fresh session."""
    from azure.durable_functions.models.utils import http_utils

    session = http_utils._client_session
    if session is not None:
        await session.close()
    http_utils._client_session = None
    await server.close()


def _comparable(status: Any) -> dict[str, Any]:
    data = status.to_json()
    # `input` is left out: the real client posts df_dumps(input) as a JSON string, which the extension keeps as is
    # (the orchestrator decodes it), so how the status API shows it is the extension's storage detail.
    return {k: v for k, v in data.items() if k not in ("instanceId", "createdTime", "lastUpdatedTime", "input")}


@pytest.mark.live  # an in-process HTTP server on a loopback port
def test_every_client_call_the_app_makes_matches_the_real_client(engine):
    from aiohttp import web as aioweb
    from aiohttp.test_utils import TestServer
    from azure.durable_functions.models.utils import http_utils

    async def settle(client: Any, instance_id: str, until: set[Status]) -> Any:
        deadline = time.monotonic() + HANG_GUARD_S
        while True:
            status = await client.get_status(instance_id)
            if status.runtime_status in until:
                return status
            assert time.monotonic() < deadline, f"{instance_id}: {status.runtime_status}"
            await asyncio.sleep(0.02)

    async def go() -> None:
        app = aioweb.Application()
        server = TestServer(app)
        engine.add_management_routes(app, base_url_for=lambda request: str(request.url.origin()))
        await server.start_server()
        try:
            base = str(server.make_url("")).rstrip("/")
            local = engine.client(base)
            real = _real_client(base, local)
            done = {Status.Completed, Status.Failed, Status.Terminated}

            # start_new + get_status: same shapes, same values
            a = await real.start_new("df_fan_out", "parity-real-1", 3)
            b = await local.start_new("df_fan_out", "parity-local-1", 3)
            assert (a, b) == ("parity-real-1", "parity-local-1")
            sa, sb = await settle(real, a, done), await settle(local, b, done)
            assert type(sa) is type(sb)
            assert _comparable(sa) == _comparable(sb)
            assert sa.output == {"count": 3, "sum": 6}

            # get_status with history: the documented rows, parsed by the real model the same way
            ha = await real.get_status(a, show_history=True, show_history_output=True)
            hb = await local.get_status(b, show_history=True, show_history_output=True)
            rows_a, rows_b = ha.historyEvents, hb.historyEvents
            assert [r["EventType"] for r in rows_a] == [r["EventType"] for r in rows_b] == \
                ["ExecutionStarted", "TaskCompleted", "TaskCompleted", "TaskCompleted", "ExecutionCompleted"]
            for row in rows_a:
                assert set(row) == HISTORY_DOCUMENTED[row["EventType"]], row
            assert [r["FunctionName"] for r in rows_a if r["EventType"] == "TaskCompleted"] == ["df_double"] * 3
            assert rows_a[-1]["OrchestrationStatus"] == "Completed"
            moments = [datetime.fromisoformat(r["Timestamp"].replace("Z", "+00:00")) for r in rows_a]
            assert moments == sorted(moments) and moments[0] >= sa.created_time.replace(microsecond=0)
            for row in rows_a:
                if "ScheduledTime" in row:
                    assert row["ScheduledTime"] <= row["Timestamp"]
            without_output = await real.get_status(a, show_history=True)
            assert all("Result" not in r and "Input" not in r for r in without_output.historyEvents)

            # unknown instance: falsy, no status, on both
            ua, ub = await real.get_status("parity-nope"), await local.get_status("parity-nope")
            assert not ua and not ub and ua.runtime_status is ub.runtime_status is None

            # get_status_all / get_status_by: ONE page (100) on both, whatever exists beyond it
            since = datetime.now(timezone.utc) - timedelta(seconds=2)
            ids = [await local.start_new("df_echo_input", f"parity-page-{i:03d}", i) for i in range(105)]
            for instance_id in ids:
                await settle(local, instance_id, done)
            all_a, all_b = await real.get_status_all(), await local.get_status_all()
            assert len(all_a) == len(all_b) == 100
            by_a = await real.get_status_by(created_time_from=since, runtime_status=[Status.Completed])
            by_b = await local.get_status_by(created_time_from=since, runtime_status=[Status.Completed])
            assert len(by_a) == len(by_b) == 100
            assert {s.instance_id for s in by_a} == {s.instance_id for s in by_b}
            assert {(s.instance_id, s.input_) for s in by_a} == {(s.instance_id, s.input_) for s in by_b}
            assert all(s.input_ is None for s in by_b)   # the list API's showInput defaults to false
            paged = [s for s in by_b if s.instance_id.startswith("parity-page-")]
            assert paged and all(s.output == int(s.instance_id[-3:]) for s in paged)   # outputs always listed
            assert sorted(_comparable(s)["name"] for s in by_a) == sorted(_comparable(s)["name"] for s in by_b)

            # terminate and raise_event
            for client, suffix in ((real, "real"), (local, "local")):
                waiting = await client.start_new("df_wait_forever", f"parity-term-{suffix}")
                await settle(client, waiting, {Status.Running})
                await client.terminate(waiting, "stop it")
                ended = await settle(client, waiting, done)
                assert (ended.runtime_status, ended.output) == (Status.Terminated, "stop it")
                await client.terminate(waiting, "again")   # 410 from the API: accepted silently by both
                with pytest.raises(Exception, match="No instance with ID"):
                    await client.raise_event("parity-nope", "Never", 1)
                evented = await client.start_new("df_wait_forever", f"parity-event-{suffix}")
                await settle(client, evented, {Status.Running})
                await client.raise_event(evented, "Never", {"x": 1})
                finished = await settle(client, evented, done)
                assert (finished.runtime_status, finished.output) == (Status.Completed, "not reached")
                purged = await client.purge_instance_history(evented)
                assert purged.instances_deleted == 1
                assert not await client.get_status(evented)

            # entities: client signal_entity / read_entity_state, and the orchestrator side through the real client
            for client, key in ((real, "parity-real"), (local, "parity-local")):
                counter = df.EntityId("df_counter_entity", key)
                missing = await client.read_entity_state(counter)
                assert (missing.entity_exists, missing.entity_state) == (False, None)
                await client.signal_entity(counter, "add", 20)
                started = await client.start_new("df_entity_counter", None, {"key": key, "adds": [22]})
                finished = await settle(client, started, done)
                assert finished.output == {"value": 42, "failure": "counter refused: on purpose", "after": 42}
                state = await client.read_entity_state(counter)
                assert (state.entity_exists, state.entity_state) == (True, 42)
                await client.signal_entity(counter, "reset", 0)   # falsy input: sent as none by both clients
                with pytest.raises(Exception, match="404"):
                    await client.signal_entity(df.EntityId("no_such_entity", "k"), "add", 1)

            # create_check_status_response: same status, headers and body
            request = func.HttpRequest("POST", f"{base}/api/start", body=b"")
            ra, rb = real.create_check_status_response(request, a), local.create_check_status_response(request, a)
            assert (ra.status_code, dict(ra.headers), json.loads(ra.get_body())) == \
                (rb.status_code, dict(rb.headers), json.loads(rb.get_body()))
        finally:
            await _close_real_client(server)

    asyncio.run(go())


HISTORY_CASES = [
    # (orchestrator, input, event to raise once its timer exists, the event types expected in order)
    ("df_human_interaction", {"who": "ops", "seconds": 3600}, ("Answer", "alice"),
     ["ExecutionStarted", "TaskCompleted", "TimerCreated", "EventRaised", "TaskCompleted", "ExecutionCompleted"]),
    ("df_human_interaction", {"who": "ops", "seconds": 0}, None,
     ["ExecutionStarted", "TaskCompleted", "TimerCreated", "TimerFired", "TaskCompleted", "ExecutionCompleted"]),
    ("df_sub_orchestrations", [4, 5], None,
     ["ExecutionStarted", "SubOrchestrationInstanceCompleted", "SubOrchestrationInstanceCompleted",
      "ExecutionCompleted"]),
    ("df_uncaught_failure", "history shape", None,
     ["ExecutionStarted", "TaskCompleted", "TaskFailed", "ExecutionCompleted"]),
    ("df_slow_parent", 0, None, ["ExecutionStarted", "SubOrchestrationInstanceCompleted", "ExecutionCompleted"]),
]


@pytest.mark.live  # an in-process HTTP server on a loopback port
def test_completed_history_parsed_by_the_real_client_has_the_extension_fields_row_by_row(engine):
    """Each finished instance's `showHistory` (with and without output), fetched and parsed by azure-functions-durable's
    own `DurableOrchestrationClient`, has exactly the extension's fields per event type, in the expected order."""
    from aiohttp import web as aioweb
    from aiohttp.test_utils import TestServer
    from azure.durable_functions.models.utils import http_utils

    async def go() -> None:
        app = aioweb.Application()
        server = TestServer(app)
        engine.add_management_routes(app, base_url_for=lambda request: str(request.url.origin()))
        await server.start_server()
        try:
            base = str(server.make_url("")).rstrip("/")
            real = _real_client(base, engine.client(base))
            for name, payload, event, expected in HISTORY_CASES:
                instance_id = await real.start_new(name, None, payload)
                deadline = time.monotonic() + HANG_GUARD_S
                while True:
                    status = await real.get_status(instance_id, show_history=True, show_history_output=True)
                    rows = status.historyEvents or []
                    if event and any(r["EventType"] == "TimerCreated" for r in rows) and status.runtime_status \
                            is Status.Running:
                        await real.raise_event(instance_id, *event)
                        event = None
                    if status.runtime_status in {Status.Completed, Status.Failed}:
                        break
                    assert time.monotonic() < deadline, f"{name}: {status.runtime_status}"
                    await asyncio.sleep(0.02)
                assert [r["EventType"] for r in rows] == expected, name
                for row in rows:
                    kind = row["EventType"]
                    failed_end = kind == "ExecutionCompleted" and row["OrchestrationStatus"] == "Failed"
                    assert set(row) == (FAILED_COMPLETION if failed_end else HISTORY_DOCUMENTED[kind]), (name, row)
                    assert "Traceback" not in json.dumps(row)
                    moments = [row[k] for k in ("ScheduledTime", "Timestamp") if k in row]
                    assert all(m.endswith("Z") for m in moments) and moments == sorted(moments), row
                stamps = [datetime.fromisoformat(r["Timestamp"].replace("Z", "+00:00")) for r in rows]
                assert stamps == sorted(stamps) and stamps[0] >= status.created_time.replace(microsecond=0)
                assert rows[-1]["OrchestrationStatus"] == status.runtime_status.value
                if status.runtime_status is Status.Completed:
                    assert rows[-1]["Result"] == status.output
                bare = await real.get_status(instance_id, show_history=True)
                assert [r["EventType"] for r in bare.historyEvents] == expected
                assert all("Result" not in r and "Input" not in r for r in bare.historyEvents), name
        finally:
            await _close_real_client(server)

    asyncio.run(go())
