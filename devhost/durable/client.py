"""The `durableClient` binding of the local host: DF's client API over durabletask's gRPC client.

Method names, arguments, return types and error texts follow azure-functions-durable's
`DurableOrchestrationClient` (which talks HTTP to the extension); here each call goes to the in-memory engine.
Blocking gRPC calls run in a thread so HTTP handlers on the host's event loop stay responsive.
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime, timezone
from time import monotonic
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlencode, urlparse

import azure.functions as func
import grpc
from azure.durable_functions.models.DurableOrchestrationStatus import DurableOrchestrationStatus
from azure.durable_functions.models.EntityStateResponse import EntityStateResponse
from azure.durable_functions.models.OrchestrationRuntimeStatus import OrchestrationRuntimeStatus
from azure.durable_functions.models.PurgeHistoryResult import PurgeHistoryResult
from azure.durable_functions.models.utils.entity_utils import EntityId
from durabletask import client as dt_client
from durabletask import entities as dt_entities
from durabletask import history as dt_history
from durabletask.internal import orchestrator_service_pb2 as pb
from durabletask.internal.client_helpers import build_query_instances_req
from google.protobuf import wrappers_pb2

from devhost.durable.entities import instance_id_of
from devhost.durable.failures import task_failed_details
from devhost.durable.serialization import plain_json

if TYPE_CHECKING:
    from devhost.durable.engine import DurableEngine

T = TypeVar("T")

WEBHOOK_PATH = "/runtime/webhooks/durabletask"
PAGE_SIZE = 100

TO_DF_STATUS = {
    dt_client.OrchestrationStatus.RUNNING: OrchestrationRuntimeStatus.Running,
    dt_client.OrchestrationStatus.COMPLETED: OrchestrationRuntimeStatus.Completed,
    dt_client.OrchestrationStatus.FAILED: OrchestrationRuntimeStatus.Failed,
    dt_client.OrchestrationStatus.TERMINATED: OrchestrationRuntimeStatus.Terminated,
    dt_client.OrchestrationStatus.CONTINUED_AS_NEW: OrchestrationRuntimeStatus.ContinuedAsNew,
    dt_client.OrchestrationStatus.PENDING: OrchestrationRuntimeStatus.Pending,
    dt_client.OrchestrationStatus.SUSPENDED: OrchestrationRuntimeStatus.Suspended,
}
FROM_DF_STATUS = {df: dt for dt, df in TO_DF_STATUS.items()}
TERMINAL = {OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed,
            OrchestrationRuntimeStatus.Terminated, OrchestrationRuntimeStatus.Canceled}


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _iso_seconds(moment: datetime) -> str:
    """The extension's `ToString("s") + "Z"`."""
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_payload(state: dt_client.OrchestrationState, *, show_input: bool = True,
                   history: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The JSON the extension's status API returns for one instance (its `StatusResponsePayload`)."""
    runtime_status = TO_DF_STATUS[state.runtime_status]
    if runtime_status is OrchestrationRuntimeStatus.Failed and state.failure_details is not None:
        output: Any = state.failure_details.message
    else:
        output = plain_json(state.serialized_output)
    payload: dict[str, Any] = {
        "name": state.name,
        "instanceId": state.instance_id,
        "runtimeStatus": runtime_status.value,
        "input": plain_json(state.serialized_input) if show_input else None,
        "customStatus": plain_json(state.serialized_custom_status),
        "output": output,
        "createdTime": _iso_seconds(state.created_at),
        "lastUpdatedTime": _iso_seconds(state.last_updated_at),
    }
    if history is not None:
        payload["historyEvents"] = history
    return payload


def _iso_precise(moment: datetime) -> str:
    """History timestamps keep sub-second precision, as the extension's do ("2018-02-28T05:18:49.3138155Z")."""
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# History rows the extension's status API leaves out: episode bookends, and the "scheduled" halves it folds into the
# matching completion as FunctionName + ScheduledTime.
_HIDDEN = (dt_history.OrchestratorStartedEvent, dt_history.OrchestratorCompletedEvent)
_SCHEDULING = (dt_history.TaskScheduledEvent, dt_history.SubOrchestrationInstanceCreatedEvent)


def _failure_fields(details: Any) -> dict[str, Any]:
    """Reason and the serialized exception, as the extension records them (no traceback: it lands in pages)."""
    if details is None:
        return {}
    return {"Reason": details.message, "Details": task_failed_details(details)}


def history_payload(events: list[Any], show_output: bool) -> list[dict[str, Any]]:
    """`historyEvents` in the documented shape of the extension's HTTP API (`showHistory=true`): one row per event
    that matters to a reader, in order; `TaskCompleted`/`TaskFailed` and the sub-orchestration outcomes carry the
    `FunctionName` and `ScheduledTime` of their scheduling event, `ExecutionCompleted` its `OrchestrationStatus`;
    `Result` only with `showHistoryOutput=true`. As the extension's DurableClient does, `ExecutionStarted` and
    `EventRaised` never show their `Input` and `TimerFired` drops its `TimerId`; a failed `ExecutionCompleted` has
    the failure message as its `Result` (with `showHistoryOutput`) and the serialized exception in `Details`."""
    scheduled: dict[int, Any] = {e.event_id: e for e in events if isinstance(e, _SCHEDULING)}
    rows: list[dict[str, Any]] = []
    for event in events:
        if isinstance(event, _HIDDEN + _SCHEDULING):
            continue
        kind = type(event).__name__.removesuffix("Event")
        row: dict[str, Any] = {"EventType": kind}
        if isinstance(event, dt_history.ExecutionStartedEvent):
            row["FunctionName"] = event.name
        elif isinstance(event, (dt_history.TaskCompletedEvent, dt_history.TaskFailedEvent,
                                dt_history.SubOrchestrationInstanceCompletedEvent,
                                dt_history.SubOrchestrationInstanceFailedEvent)):
            origin = scheduled.get(event.task_scheduled_id)
            if origin is not None:
                row["FunctionName"] = origin.name
                row["ScheduledTime"] = _iso_precise(origin.timestamp)
            if isinstance(event, (dt_history.TaskFailedEvent, dt_history.SubOrchestrationInstanceFailedEvent)):
                row.update(_failure_fields(event.failure_details))
            elif show_output:
                row["Result"] = plain_json(event.result)
        elif isinstance(event, dt_history.ExecutionCompletedEvent):
            row["OrchestrationStatus"] = _status_name(event.orchestration_status)
            if event.failure_details is not None:
                failure = _failure_fields(event.failure_details)
                if show_output:
                    row["Result"] = failure["Reason"]
                row["Details"] = failure["Details"]
            elif show_output:
                row["Result"] = plain_json(event.result)
        elif isinstance(event, (dt_history.TimerCreatedEvent, dt_history.TimerFiredEvent)):
            row["FireAt"] = _iso_precise(event.fire_at)
        elif isinstance(event, (dt_history.EventRaisedEvent, dt_history.EventSentEvent)):
            row["Name"] = event.name
            if isinstance(event, dt_history.EventSentEvent):
                row["InstanceId"] = event.instance_id
        elif isinstance(event, (dt_history.ExecutionTerminatedEvent, dt_history.ExecutionSuspendedEvent,
                                dt_history.ExecutionResumedEvent)):
            row["Input"] = plain_json(event.input)   # the operator's reason, shown by the extension too
        row["Timestamp"] = _iso_precise(event.timestamp)
        rows.append(row)
    return rows


def _status_name(value: int) -> str:
    try:
        return TO_DF_STATUS[dt_client.OrchestrationStatus(value)].value
    except (ValueError, KeyError):
        return str(value)


class LocalDurableOrchestrationClient:
    """Drop-in for `azure.durable_functions.DurableOrchestrationClient` on the local host."""

    def __init__(self, engine: DurableEngine, base_url: str, function_invocation_id: str | None = None):
        self._engine = engine
        self._base_url = base_url.rstrip("/")
        self._function_invocation_id = function_invocation_id

    @property
    def task_hub_name(self) -> str:
        return self._engine.hub_name

    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(fn, *args, **kwargs)

    def _state(self, instance_id: str, fetch_payloads: bool = True) -> dt_client.OrchestrationState | None:
        return self._engine.grpc_client.get_orchestration_state(instance_id, fetch_payloads=fetch_payloads)

    # --- start / query -------------------------------------------------------------------------------------
    async def start_new(self, orchestration_function_name: str, instance_id: str | None = None,
                        client_input: Any = None, version: str | None = None) -> str:
        if orchestration_function_name not in self._engine.orchestrators:
            raise Exception(
                f"The function '{orchestration_function_name}' doesn't exist, is disabled, or is not an "
                "orchestrator function. Additional info: known orchestrators are "
                f"{sorted(self._engine.orchestrators)}.")
        # Like the extension's default (overridableExistingInstanceStates = NonRunningStates): finished
        # instances are replaced, running ones are not.
        reuse = pb.OrchestrationIdReusePolicy(replaceableStatus=[
            pb.ORCHESTRATION_STATUS_COMPLETED, pb.ORCHESTRATION_STATUS_FAILED, pb.ORCHESTRATION_STATUS_TERMINATED])
        try:
            return await self._call(self._engine.grpc_client.schedule_new_orchestration,
                                    orchestration_function_name, input=client_input,
                                    instance_id=instance_id, reuse_id_policy=reuse)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.ALREADY_EXISTS:  # type: ignore[attr-defined]
                raise Exception(f"An Orchestration instance with the ID '{instance_id}' already exists "
                                "and is still running.") from None
            raise

    async def get_status(self, instance_id: str, show_history: bool = False,
                         show_history_output: bool = False, show_input: bool = False) -> DurableOrchestrationStatus:
        payload = await self._call(self.status_json, instance_id, show_history, show_history_output, True)
        if payload is None:
            # What DF builds from the extension's 404: a status whose runtime_status is None and that is falsy.
            return DurableOrchestrationStatus.from_json(f"No instance with ID '{instance_id}' found.")
        return DurableOrchestrationStatus.from_json(payload)

    def status_json(self, instance_id: str, show_history: bool = False, show_history_output: bool = False,
                    show_input: bool = True) -> dict[str, Any] | None:
        """Blocking; the status HTTP API's body, or None when the instance is unknown."""
        state = self._state(instance_id)
        if state is None:
            return None
        history = None
        if show_history:
            events = self._engine.grpc_client.get_orchestration_history(instance_id)
            history = history_payload(events, show_history_output)
        return status_payload(state, show_input=show_input, history=history)

    async def get_status_all(self) -> list[DurableOrchestrationStatus]:
        """One page, like the real client (one GET without a continuation token; the extension's page is 100)."""
        return await self.get_status_by()

    async def get_status_by(self, created_time_from: datetime | None = None,
                            created_time_to: datetime | None = None,
                            runtime_status: list[OrchestrationRuntimeStatus] | None = None,
                            instance_id_prefix: str | None = None) -> list[DurableOrchestrationStatus]:
        """The FIRST page only, as azure-functions-durable 1.7 does: it sends one request and drops the
        `x-ms-continuation-token` header of the answer, so app code that needs every instance must page through
        the HTTP API (or its own tables) itself. Following the pages here would hide that truncation locally."""
        # The real client sends no showInput, and the extension's list API defaults it to false: no inputs.
        query = self.query(created_time_from, created_time_to, runtime_status, instance_id_prefix)
        rows, _next_page = await self._call(self.status_page, query, None, False)
        return [DurableOrchestrationStatus.from_json(row) for row in rows]

    @staticmethod
    def query(created_time_from: datetime | None = None, created_time_to: datetime | None = None,
              runtime_status: list[OrchestrationRuntimeStatus] | None = None,
              instance_id_prefix: str | None = None, page_size: int = PAGE_SIZE) -> dt_client.OrchestrationQuery:
        # Payloads are always fetched: the list API shows output and custom status whatever `showInput` says.
        return dt_client.OrchestrationQuery(
            created_time_from=_utc(created_time_from) if created_time_from else None,
            created_time_to=_utc(created_time_to) if created_time_to else None,
            runtime_status=[FROM_DF_STATUS[s] for s in runtime_status] if runtime_status else None,
            max_instance_count=page_size,
            fetch_inputs_and_outputs=True,
            instance_id_prefix=instance_id_prefix,
        )

    def status_page(self, query: dt_client.OrchestrationQuery, continuation_token: str | None,
                    show_input: bool = False) -> tuple[list[dict[str, Any]], str | None]:
        """Blocking; one page of status payloads and the token of the next page (None at the end)."""
        token = wrappers_pb2.StringValue(value=continuation_token) if continuation_token else None
        client = self._engine.grpc_client
        response = client._stub.QueryInstances(build_query_instances_req(query, token))
        rows = [status_payload(dt_client.parse_orchestration_state(state, client._data_converter),
                               show_input=show_input)
                for state in response.orchestrationState]
        next_token = response.continuationToken.value if response.HasField("continuationToken") else None
        return rows, next_token or None

    # --- control -------------------------------------------------------------------------------------------
    async def raise_event(self, instance_id: str, event_name: str, event_data: Any = None,
                          task_hub_name: str | None = None, connection_name: str | None = None) -> None:
        if event_name == "":
            raise ValueError("event_name must be a non-empty string.")
        state = await self._call(self._state, instance_id, False)
        if state is None:
            raise Exception(f"No instance with ID {instance_id} found.")
        if TO_DF_STATUS[state.runtime_status] in TERMINAL:
            raise Exception(f"Instance with ID {instance_id} is gone: either completed or failed")
        await self._call(self._engine.grpc_client.raise_orchestration_event, instance_id, event_name,
                         data=event_data)

    async def terminate(self, instance_id: str, reason: str) -> None:
        state = await self._call(self._state, instance_id, False)
        if state is None:
            raise Exception(f"No instance with ID '{instance_id}' found.")
        if TO_DF_STATUS[state.runtime_status] in TERMINAL:
            return  # the extension answers 410, which DF's client accepts silently
        await self._call(self._engine.grpc_client.terminate_orchestration, instance_id, output=reason)

    async def suspend(self, instance_id: str, reason: str) -> None:
        if await self._live(instance_id):
            await self._call(self._engine.grpc_client.suspend_orchestration, instance_id, reason=reason)

    async def resume(self, instance_id: str, reason: str) -> None:
        if await self._live(instance_id):
            await self._call(self._engine.grpc_client.resume_orchestration, instance_id, reason=reason)

    async def _live(self, instance_id: str) -> bool:
        state = await self._call(self._state, instance_id, False)
        if state is None:
            raise Exception(f"No instance with ID '{instance_id}' found.")
        return TO_DF_STATUS[state.runtime_status] not in TERMINAL

    async def restart(self, instance_id: str, restart_with_new_instance_id: bool = True) -> str:
        try:
            return await self._call(self._engine.grpc_client.restart_orchestration, instance_id,
                                    restart_with_new_instance_id=restart_with_new_instance_id)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:  # type: ignore[attr-defined]
                raise Exception(f"No instance with ID '{instance_id}' found.") from None
            raise Exception(error.details()) from None  # type: ignore[attr-defined]

    async def rewind(self, instance_id: str, reason: str, task_hub_name: str | None = None,
                     connection_name: str | None = None) -> None:
        try:
            await self._call(self._engine.grpc_client.rewind_orchestration, instance_id, reason=reason)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:  # type: ignore[attr-defined]
                raise Exception(f"No instance with ID {instance_id} found.") from None
            if error.code() == grpc.StatusCode.FAILED_PRECONDITION:  # type: ignore[attr-defined]
                raise Exception("The rewind operation is only supported on failed orchestration instances.") \
                    from None
            raise

    async def purge_instance_history(self, instance_id: str) -> PurgeHistoryResult:
        result = await self._call(self._engine.grpc_client.purge_orchestration, instance_id)
        return PurgeHistoryResult(instancesDeleted=result.deleted_instance_count)

    async def purge_instance_history_by(self, created_time_from: datetime | None = None,
                                        created_time_to: datetime | None = None,
                                        runtime_status: list[OrchestrationRuntimeStatus] | None = None
                                        ) -> PurgeHistoryResult:
        if created_time_from is None:
            raise ValueError("created_time_from is required when purging instance history")
        result = await self._call(
            self._engine.grpc_client.purge_orchestrations_by,
            created_time_from=_utc(created_time_from),
            created_time_to=_utc(created_time_to) if created_time_to else None,
            runtime_status=[FROM_DF_STATUS[s] for s in runtime_status] if runtime_status else None)
        return PurgeHistoryResult(instancesDeleted=result.deleted_instance_count)

    # --- entities -----------------------------------------------------------------------------------------------
    def _entity_known(self, entity_id: EntityId) -> bool:
        return entity_id.name.lower() in {name.lower() for name in self._engine.entities}

    async def signal_entity(self, entityId: EntityId, operation_name: str,  # noqa: N803 (DF's name)
                            operation_input: Any = None, task_hub_name: str | None = None,
                            connection_name: str | None = None) -> None:
        """Queues one operation for the entity (the extension answers 202); an unknown entity function is refused
        as the extension refuses it (404 -> this exception text)."""
        if not self._entity_known(entityId):
            raise Exception(f"The operation failed with an unexpected status code 404: no entity function named "
                            f"'{entityId.name}' (known: {sorted(self._engine.entities)})")
        # Like the real client (`json.dumps(operation_input) if operation_input else None`): a falsy input
        # (0, "", False, []) reaches the entity as no input at all.
        await self._call(self._engine.grpc_client.signal_entity, instance_id_of(entityId), operation_name,
                         input=operation_input if operation_input else None)

    async def read_entity_state(self, entityId: EntityId, task_hub_name: str | None = None,  # noqa: N803
                                connection_name: str | None = None) -> EntityStateResponse:
        state = await self._call(self.entity_state_json, entityId)
        return EntityStateResponse(True, state[1]) if state[0] else EntityStateResponse(False)

    def entity_state_json(self, entity_id: EntityId) -> tuple[bool, Any]:
        """Blocking; (exists, state as the entity HTTP API shows it: the stored JSON, decoded)."""
        response = self._engine.grpc_client._stub.GetEntity(
            pb.GetEntityRequest(instanceId=str(instance_id_of(entity_id)), includeState=True))
        if not response.exists or not response.entity.HasField("serializedState"):
            return False, None
        return True, plain_json(response.entity.serializedState.value)

    def entity_list_json(self, name: str, fetch_state: bool, page_size: int,
                         continuation_token: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """Blocking; one page of the entity list API (`GET /entities/{name}`)."""
        request = pb.QueryEntitiesRequest(query=pb.EntityQuery(
            instanceIdStartsWith=wrappers_pb2.StringValue(value=f"@{name.lower()}@"), includeState=fetch_state,
            includeTransient=False, pageSize=wrappers_pb2.Int32Value(value=page_size),
            continuationToken=wrappers_pb2.StringValue(value=continuation_token) if continuation_token else None))
        response = self._engine.grpc_client._stub.QueryEntities(request)
        rows: list[dict[str, Any]] = []
        for entity in response.entities:
            parsed = dt_entities.EntityInstanceId.parse(entity.instanceId)
            row: dict[str, Any] = {"entityId": {"name": parsed.entity, "key": parsed.key},
                                   "lastOperationTime": _iso_precise(entity.lastModifiedTime.ToDatetime())}
            if fetch_state:
                row["state"] = plain_json(entity.serializedState.value) if entity.HasField("serializedState") \
                    else None
            rows.append(row)
        token = response.continuationToken.value if response.HasField("continuationToken") else None
        return rows, token or None

    # --- HTTP helpers --------------------------------------------------------------------------------------
    def create_http_management_payload(self, instance_id: str) -> dict[str, str]:
        return self.get_client_response_links(None, instance_id)

    def get_client_response_links(self, request: func.HttpRequest | None, instance_id: str) -> dict[str, str]:
        """The extension's HttpManagementPayload, keys in its order; origin taken from `request` like DF does."""
        base = self._base_url
        if request is not None and request.url:
            parsed = urlparse(request.url)
            base = f"{parsed.scheme}://{parsed.netloc}"
        prefix = f"{base}{WEBHOOK_PATH}/instances/{quote(instance_id, safe='')}"
        params = {"taskHub": self.task_hub_name, "connection": "Storage", **self._engine.management_query_params}
        suffix = urlencode(params)
        return {
            "id": instance_id,
            "statusQueryGetUri": f"{prefix}?{suffix}",
            "sendEventPostUri": f"{prefix}/raiseEvent/{{eventName}}?{suffix}",
            "terminatePostUri": f"{prefix}/terminate?reason={{text}}&{suffix}",
            "rewindPostUri": f"{prefix}/rewind?reason={{text}}&{suffix}",
            "purgeHistoryDeleteUri": f"{prefix}?{suffix}",
            "restartPostUri": f"{prefix}/restart?{suffix}",
            "suspendPostUri": f"{prefix}/suspend?reason={{text}}&{suffix}",
            "resumePostUri": f"{prefix}/resume?reason={{text}}&{suffix}",
        }

    def create_check_status_response(self, request: func.HttpRequest, instance_id: str) -> func.HttpResponse:
        payload = self.get_client_response_links(request, instance_id)
        return func.HttpResponse(
            status_code=202,
            body=json.dumps(payload),
            headers={"Content-Type": "application/json", "Location": payload["statusQueryGetUri"],
                     "Retry-After": "10"},
        )

    async def wait_for_completion_or_create_check_status_response(
            self, request: func.HttpRequest, instance_id: str, timeout_in_milliseconds: int = 10000,
            retry_interval_in_milliseconds: int = 1000) -> func.HttpResponse:
        if retry_interval_in_milliseconds > timeout_in_milliseconds:
            raise Exception(f'Total timeout {timeout_in_milliseconds} (ms) should be bigger than '
                            f'retry timeout {retry_interval_in_milliseconds} (ms)')
        deadline = monotonic() + timeout_in_milliseconds / 1000
        while True:
            status = await self.get_status(instance_id)
            if status:
                if status.runtime_status is OrchestrationRuntimeStatus.Completed:
                    return _json_response(200, status.output)
                if status.runtime_status in (OrchestrationRuntimeStatus.Canceled,
                                             OrchestrationRuntimeStatus.Terminated):
                    return _json_response(200, status.to_json())
                if status.runtime_status is OrchestrationRuntimeStatus.Failed:
                    return _json_response(500, status.to_json())
            remaining = deadline - monotonic()
            if remaining <= 0:
                return self.create_check_status_response(request, instance_id)
            await asyncio.sleep(min(retry_interval_in_milliseconds / 1000, remaining))


def _json_response(status_code: int, body: Any) -> func.HttpResponse:
    text = body if isinstance(body, str) else json.dumps(body)
    return func.HttpResponse(status_code=status_code, body=text, mimetype="application/json",
                             headers={"Content-Type": "application/json"})
