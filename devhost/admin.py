"""`POST /admin/functions/{name}`: run a non-HTTP function now, as the real host's admin API does.

Azure's contract (learn.microsoft.com "Manually run a non HTTP-triggered function"): the master key, a JSON body
`{"input": "<trigger input>"}`, and `202 Accepted` as soon as the invocation is queued — the caller never waits for
the function, and its outcome is only in the log. A timer function gets a `TimerRequest` that is not past due, with
the schedule status as recorded; a queue function gets the input as the message body, with no message behind it
(so nothing is retried or poisoned when it fails). HTTP functions are called through their URL and durable ones
through a durable client, so those are refused here.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import uuid
from typing import Any, Awaitable, Callable

from aiohttp import web
from azure.functions.queue import QueueMessage

from devhost.auth import HostKeys, presented_key
from devhost.discovery import FunctionInfo
from devhost.errors import body_limit, read_body
from devhost.http_trigger import REASON, problem
from devhost.timers import TimerRunner

log = logging.getLogger("devhost")

Invoke = Callable[[FunctionInfo, dict[str, Any], str, str], Awaitable[Any]]
ADMIN_INVOKE_PATH = "/admin/functions/{name}"
_INVOCABLE = ("timer", "queue")


def manual_queue_message(body: str) -> QueueMessage:
    """A message that never was in a queue: a fresh id (code that claims messages by id keeps working), first
    delivery, inserted now; no pop receipt, since there is nothing to delete or release."""
    now = dt.datetime.now(dt.timezone.utc)
    return QueueMessage(id=str(uuid.uuid4()), body=body.encode("utf-8"), dequeue_count=1,
                        insertion_time=now, expiration_time=now + dt.timedelta(days=7),
                        time_next_visible=now, pop_receipt=None)


class AdminInvoker:
    def __init__(self, functions: list[FunctionInfo], timers: dict[str, TimerRunner], keys: HostKeys,
                 invoke: Invoke) -> None:
        # Function names are case-insensitive in the host, as in its URLs.
        self.functions = {f.name.lower(): f for f in functions}
        self.timers = {name.lower(): runner for name, runner in timers.items()}
        self.keys = keys
        self.invoke = invoke
        self._running: set[asyncio.Task[None]] = set()

    async def handle(self, request: web.Request) -> web.Response:
        if not self.keys.allows("admin", presented_key(request.headers, request.query)):
            return problem(401, "Unauthorized", "the admin API needs the master key in the x-functions-key header "
                                                "or the code query parameter")
        info = self.functions.get(request.match_info["name"].lower())
        if info is None:
            return problem(404, "Not Found", f"no function named {request.match_info['name']!r}")
        if info.kind not in _INVOCABLE:
            how = "call its URL" if info.kind == "http" else "start it through a durable client"
            return problem(400, "Bad Request", f"{info.name!r} is a {info.kind} function: {how}",
                           errors=[{"field": "functionName", "message": "must name a timer or queue function"}])
        try:
            body = json.loads(await read_body(request, body_limit()) or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return problem(400, "Bad Request", 'the body must be a JSON object: {"input": "<trigger input>"}',
                           errors=[{"field": "body", "message": "must be a JSON object"}])
        given = body.get("input")
        if given is not None and not isinstance(given, str):
            return problem(400, "Bad Request", "input must be a string (the queue message body; ignored by timers)",
                           errors=[{"field": "input", "message": "must be a string"}])
        if info.kind == "queue" and given is None:
            return problem(400, "Bad Request", "a queue function needs the message body in input",
                           errors=[{"field": "input", "message": "is required for a queue function"}])
        trigger_value = (self.timers[info.name.lower()].manual_request() if info.kind == "timer"
                         else manual_queue_message(given or ""))
        invocation_id = str(uuid.uuid4())
        task = asyncio.create_task(self._run(info, {info.trigger["name"]: trigger_value}, invocation_id))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return web.Response(status=202)

    async def _run(self, info: FunctionInfo, inputs: dict[str, Any], invocation_id: str) -> None:
        try:
            await self.invoke(info, inputs, REASON, invocation_id)
        except Exception:  # noqa: BLE001 - the invocation log line has the traceback; nobody waits for this call
            pass
