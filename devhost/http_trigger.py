"""HTTP triggers: route matching, auth levels, and the translation between aiohttp and `azure.functions` types.

Functions receive real `func.HttpRequest` objects and return `func.HttpResponse`; a function that raises gives a
500 whose body names only the invocation id, so nothing of the exception reaches the caller (the traceback is in
the host log, next to the same id).
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

import azure.functions as func
from aiohttp import web

from devhost.auth import HostKeys, presented_key
from devhost.discovery import FunctionInfo
from devhost.errors import body_limit, problem, read_body
from devhost.routes import RouteTemplate, compile_route, sort_key

Invoke = Callable[[FunctionInfo, dict[str, Any], str, str], Awaitable[Any]]
ClientFactory = Callable[[str, str], Any]   # (base_url, invocation_id) -> durable client

REASON = "This function was programmatically called via the host APIs."
ALL_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE")


@dataclass
class HttpRoute:
    info: FunctionInfo
    template: RouteTemplate
    methods: tuple[str, ...]
    auth_level: str

    @property
    def route(self) -> str:
        return self.template.template


def build_routes(functions: list[FunctionInfo], prefix: str) -> list[HttpRoute]:
    routes = []
    for info in functions:
        if info.kind != "http":
            continue
        template = info.trigger.get("route") or info.name
        methods = tuple(m.upper() for m in (info.trigger.get("methods") or ALL_METHODS))
        routes.append(HttpRoute(info, compile_route(prefix, template), methods,
                                str(info.trigger.get("authLevel") or "function").lower()))
    return sorted(routes, key=lambda r: sort_key(r.template))


def to_aiohttp(response: Any) -> web.Response:
    """The worker accepts an HttpResponse, or str/bytes/JSON-able values for a plain 200."""
    if response is None:
        return web.Response(status=204)
    if not isinstance(response, func.HttpResponse):
        if isinstance(response, (bytes, str)):
            response = func.HttpResponse(response)
        else:
            response = func.HttpResponse(json.dumps(response), mimetype="application/json")
    headers = {k: v for k, v in response.headers.items()}
    if not any(k.lower() == "content-type" for k in headers) and response.mimetype:
        content_type = response.mimetype
        if response.charset and (content_type.startswith("text/") or "json" in content_type
                                 or "xml" in content_type):
            content_type += f"; charset={response.charset}"
        headers["Content-Type"] = content_type
    return web.Response(status=response.status_code, body=response.get_body(), headers=headers)


class HttpDispatcher:
    def __init__(self, routes: list[HttpRoute], keys: HostKeys, invoke: Invoke,
                 client_factory: ClientFactory | None) -> None:
        self.routes = routes
        self.keys = keys
        self.invoke = invoke
        self.client_factory = client_factory

    async def handle(self, request: web.Request) -> web.StreamResponse:
        raw_path = request.rel_url.raw_path
        matches = [(route, params) for route in self.routes
                   if (params := route.template.match(raw_path)) is not None]
        if not matches:
            return problem(404, "Not Found", f"no function is mapped to {request.method} {request.path}")
        allowed = [(route, params) for route, params in matches if request.method in route.methods]
        if not allowed:
            # The real host answers 404 here, not 405: a route's methods are a routing constraint, so a method it
            # does not take matches no route (azure-functions-host#10098). The detail says which methods would.
            methods = sorted({m for route, _ in matches for m in route.methods})
            return problem(404, "Not Found", f"no function is mapped to {request.method} {request.path}; this "
                                             f"route takes {', '.join(methods)}", allowedMethods=methods)
        route, params = allowed[0]
        if not self.keys.allows(route.auth_level, presented_key(request.headers, request.query)):
            return problem(401, "Unauthorized", "a valid key is required in the x-functions-key header or the "
                                                "code query parameter")
        body = await read_body(request, body_limit())  # BodyTooLarge -> 413 problem+json (devhost.errors)
        http_request = func.HttpRequest(
            method=request.method, url=str(request.url), headers=dict(request.headers),
            params={k: request.query.getone(k) for k in request.query.keys()},
            route_params=params, body=body)
        invocation_id = str(uuid.uuid4())
        inputs: dict[str, Any] = {route.info.trigger["name"]: http_request}
        for binding in route.info.bindings_of("durableClient"):
            if self.client_factory is None:
                return problem(503, "Service Unavailable", "the durable engine (devhost.durable) is not available")
            inputs[binding["name"]] = self.client_factory(str(request.url.origin()), invocation_id)
        try:
            result = await self.invoke(route.info, inputs, REASON, invocation_id)
        except Exception:  # noqa: BLE001 - the invocation log line carries the traceback
            return problem(500, "Internal Server Error",
                           f"the function failed; the host log has the details under invocation {invocation_id}",
                           invocationId=invocation_id)
        return to_aiohttp(result)
