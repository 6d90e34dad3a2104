"""The extension's instance-management HTTP API under `/runtime/webhooks/durabletask/`.

Status codes follow the extension's HttpApiHandler: 202 while running (with Location and Retry-After), 200 when
done (500 for Failed only with `returnInternalServerErrorOnFailure=true`), 404 unknown, 410 when the operation no
longer applies. Authorization (`code=`) is the host shell's business: it may wrap these handlers.
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web
from azure.durable_functions.models.OrchestrationRuntimeStatus import OrchestrationRuntimeStatus
from azure.durable_functions.models.utils.entity_utils import EntityId
from azure.functions._durable_functions import df_loads

from devhost.durable.client import TERMINAL, WEBHOOK_PATH, LocalDurableOrchestrationClient
from devhost.durable.entities import instance_id_of

if TYPE_CHECKING:
    from devhost.durable.engine import DurableEngine

RUNNING = {"Running", "Pending", "ContinuedAsNew", "Suspended"}


def _bool(request: web.Request, name: str, default: bool) -> bool:
    value = request.query.get(name)
    if value is None:
        return default
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise web.HTTPBadRequest(text=json.dumps({"Message": f"Query parameter '{name}' must be true or false."}),
                             content_type="application/json")


def _datetime(request: web.Request, name: str) -> datetime | None:
    value = request.query.get(name)
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise web.HTTPBadRequest(
            text=json.dumps({"Message": f"Query parameter '{name}' must be an ISO-8601 date/time."}),
            content_type="application/json") from None


def _statuses(request: web.Request) -> list[OrchestrationRuntimeStatus] | None:
    raw = [part for value in request.query.getall("runtimeStatus", []) for part in value.split(",") if part]
    try:
        return [OrchestrationRuntimeStatus(part) for part in raw] or None
    except ValueError:
        raise web.HTTPBadRequest(
            text=json.dumps({"Message": "Query parameter 'runtimeStatus' takes a comma list of "
                             f"{[s.value for s in OrchestrationRuntimeStatus]}."}),
            content_type="application/json") from None


def _http_response(response: Any) -> web.Response:
    """azure.functions.HttpResponse -> aiohttp response."""
    content_type = next((v for k, v in response.headers.items() if k.lower() == "content-type"),
                        response.mimetype or "application/json")
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-type"}
    return web.Response(status=response.status_code, body=response.get_body(), headers=headers,
                        content_type=content_type.split(";")[0])


def add_management_routes(app: web.Application, engine: DurableEngine,
                          base_url_for: Callable[[web.Request], str]) -> None:
    def client_for(request: web.Request) -> LocalDurableOrchestrationClient:
        return engine.client(base_url_for(request))

    async def status_of(client: LocalDurableOrchestrationClient, instance_id: str) -> dict[str, Any] | None:
        return await asyncio.to_thread(client.status_json, instance_id, False, False, True)

    async def get_instance(request: web.Request) -> web.StreamResponse:
        instance_id = request.match_info["instance_id"]
        client = client_for(request)
        payload = await asyncio.to_thread(
            client.status_json, instance_id, _bool(request, "showHistory", False),
            _bool(request, "showHistoryOutput", False), _bool(request, "showInput", True))
        if payload is None:
            return web.Response(status=404)
        status = payload["runtimeStatus"]
        headers: dict[str, str] = {}
        if status in RUNNING:
            code = 202
            headers = {"Location": str(request.url), "Retry-After": "5"}
        elif status == "Failed" and _bool(request, "returnInternalServerErrorOnFailure", False):
            code = 500
        else:
            code = 200
        return web.json_response(payload, status=code, headers=headers)

    async def list_instances(request: web.Request) -> web.StreamResponse:
        client = client_for(request)
        try:
            page_size = int(request.query.get("top") or request.query.get("pageSize") or 100)
        except ValueError:
            raise web.HTTPBadRequest(text=json.dumps({"Message": "Query parameter 'top' must be an integer."}),
                                     content_type="application/json") from None
        query = client.query(_datetime(request, "createdTimeFrom"), _datetime(request, "createdTimeTo"),
                             _statuses(request), request.query.get("instanceIdPrefix") or None,
                             page_size=max(1, page_size))
        rows, token = await asyncio.to_thread(client.status_page, query,
                                              request.headers.get("x-ms-continuation-token") or None,
                                              _bool(request, "showInput", False))
        headers = {"x-ms-continuation-token": token} if token else {}
        return web.json_response(rows, headers=headers)

    async def delete_instance(request: web.Request) -> web.StreamResponse:
        instance_id = request.match_info["instance_id"]
        client = client_for(request)
        if await status_of(client, instance_id) is None:
            return web.Response(status=404)
        result = await client.purge_instance_history(instance_id)
        return web.json_response({"instancesDeleted": result.instances_deleted})

    async def delete_instances(request: web.Request) -> web.StreamResponse:
        created_from = _datetime(request, "createdTimeFrom")
        if created_from is None:
            return web.json_response("Please provide value for 'createdTimeFrom' parameter.", status=400)
        client = client_for(request)
        result = await client.purge_instance_history_by(created_from, _datetime(request, "createdTimeTo"),
                                                        _statuses(request))
        if result.instances_deleted == 0:
            return web.Response(status=404)
        return web.json_response({"instancesDeleted": result.instances_deleted})

    async def raise_event(request: web.Request) -> web.StreamResponse:
        instance_id, event_name = request.match_info["instance_id"], request.match_info["event_name"]
        client = client_for(request)
        payload = await status_of(client, instance_id)
        if payload is None:
            return web.Response(status=404)
        if payload["runtimeStatus"] in {s.value for s in TERMINAL}:
            return web.Response(status=410)
        if request.content_type.lower() != "application/json":
            return web.json_response({"Message": "Only application/json request content is supported"}, status=400)
        text = await request.text()
        try:
            data = json.loads(text) if text.strip() else None
        except json.JSONDecodeError:
            return web.json_response({"Message": "Invalid JSON content"}, status=400)
        await client.raise_event(instance_id, event_name, data)
        return web.Response(status=202)

    def simple_operation(operation: str, gone_when: set[str]) -> Callable[[web.Request], Any]:
        async def handler(request: web.Request) -> web.StreamResponse:
            instance_id = request.match_info["instance_id"]
            client = client_for(request)
            payload = await status_of(client, instance_id)
            if payload is None:
                return web.Response(status=404)
            if payload["runtimeStatus"] in gone_when:
                return web.Response(status=410)
            reason = request.query.get("reason") or ""
            if operation == "terminate":
                await client.terminate(instance_id, reason)
            elif operation == "suspend":
                await client.suspend(instance_id, reason)
            elif operation == "resume":
                await client.resume(instance_id, reason)
            elif operation == "rewind":
                try:
                    await client.rewind(instance_id, reason)
                except Exception as exc:  # noqa: BLE001 - reported to the caller like the extension does
                    return web.json_response({"Message": str(exc)}, status=400)
            return web.Response(status=202)
        return handler

    async def restart(request: web.Request) -> web.StreamResponse:
        instance_id = request.match_info["instance_id"]
        client = client_for(request)
        if await status_of(client, instance_id) is None:
            return web.Response(status=404)
        try:
            new_id = await client.restart(instance_id, _bool(request, "restartWithNewInstanceId", True))
        except Exception as exc:  # noqa: BLE001 - e.g. restarting a running instance under the same id
            return web.json_response({"Message": str(exc)}, status=400)
        return _http_response(client.create_check_status_response(None, new_id))  # type: ignore[arg-type]

    async def start(request: web.Request) -> web.StreamResponse:
        name = request.match_info["function_name"]
        instance_id = request.match_info.get("instance_id") or None
        text = await request.text()
        try:
            data = json.loads(text) if text.strip() else None
        except json.JSONDecodeError:
            return web.json_response({"Message": "Invalid JSON content"}, status=400)
        if isinstance(data, str):
            # azure-functions-durable's start_new posts `df_dumps(input)` as a JSON string, the extension stores that
            # string, and the Python orchestrator's get_input() decodes it: the orchestrator sees the value.
            try:
                data = df_loads(data)
            except ValueError:
                pass   # a plain string posted by hand stays a string
        client = client_for(request)
        try:
            new_id = await client.start_new(name, instance_id, data)
        except Exception as exc:  # noqa: BLE001 - unknown orchestrator / running duplicate
            return web.json_response({"Message": str(exc)}, status=400)
        return _http_response(client.create_check_status_response(None, new_id))  # type: ignore[arg-type]

    def entity_id(request: web.Request) -> EntityId:
        return EntityId(request.match_info["entity_name"], request.match_info["entity_key"])

    async def get_entity(request: web.Request) -> web.StreamResponse:
        client = client_for(request)
        exists, state = await asyncio.to_thread(client.entity_state_json, entity_id(request))
        if not exists:
            return web.Response(status=404)
        return web.json_response(state)

    async def signal_entity(request: web.Request) -> web.StreamResponse:
        target = entity_id(request)
        if target.name.lower() not in {name.lower() for name in engine.entities}:
            return web.json_response({"Message": f"No entity function named '{target.name}' was found."},
                                     status=404)
        operation = request.query.get("op") or ""
        text = await request.text()
        try:
            data = json.loads(text) if text.strip() else None
        except json.JSONDecodeError:
            return web.json_response({"Message": "Invalid JSON content"}, status=400)
        if isinstance(data, str):
            try:   # the real client posts json.dumps(input) as a JSON string; the entity decodes both layers
                data = json.loads(data)
            except ValueError:
                pass
        await asyncio.to_thread(engine.grpc_client.signal_entity, instance_id_of(target), operation, input=data)
        return web.Response(status=202)

    async def list_entities(request: web.Request) -> web.StreamResponse:
        client = client_for(request)
        try:
            top = int(request.query.get("top") or 100)
        except ValueError:
            raise web.HTTPBadRequest(text=json.dumps({"Message": "Query parameter 'top' must be an integer."}),
                                     content_type="application/json") from None
        rows, token = await asyncio.to_thread(
            client.entity_list_json, request.match_info["entity_name"], _bool(request, "fetchState", False),
            max(1, top), request.headers.get("x-ms-continuation-token") or None)
        return web.json_response(rows, headers={"x-ms-continuation-token": token} if token else {})

    terminal = {s.value for s in TERMINAL}
    base = WEBHOOK_PATH
    app.router.add_get(f"{base}/instances", list_instances)
    app.router.add_get(f"{base}/instances/", list_instances)
    app.router.add_delete(f"{base}/instances", delete_instances)
    app.router.add_get(f"{base}/instances/{{instance_id}}", get_instance)
    app.router.add_delete(f"{base}/instances/{{instance_id}}", delete_instance)
    app.router.add_post(f"{base}/instances/{{instance_id}}/raiseEvent/{{event_name}}", raise_event)
    app.router.add_post(f"{base}/instances/{{instance_id}}/terminate", simple_operation("terminate", terminal))
    app.router.add_post(f"{base}/instances/{{instance_id}}/suspend", simple_operation("suspend", terminal))
    app.router.add_post(f"{base}/instances/{{instance_id}}/resume", simple_operation("resume", terminal))
    app.router.add_post(f"{base}/instances/{{instance_id}}/rewind",
                        simple_operation("rewind", {"Completed", "Terminated", "Canceled"}))
    app.router.add_post(f"{base}/instances/{{instance_id}}/restart", restart)
    app.router.add_get(f"{base}/entities/{{entity_name}}", list_entities)
    app.router.add_get(f"{base}/entities/{{entity_name}}/{{entity_key}}", get_entity)
    app.router.add_post(f"{base}/entities/{{entity_name}}/{{entity_key}}", signal_entity)
    app.router.add_post(f"{base}/orchestrators/{{function_name}}", start)
    app.router.add_post(f"{base}/orchestrators/{{function_name}}/{{instance_id}}", start)
