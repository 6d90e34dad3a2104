"""Host-level error answers: every error the host itself produces is RFC 9457 problem+json, and request bodies are
limited while they stream in.

Status codes are the real Functions host's: an unknown path and a known route with a method it does not map are
both 404 (ASP.NET routing with a method constraint; azure-functions-host#10098), a body over the limit is 413. The
real host answers those with an empty body; here they carry a problem+json body naming what was wrong, which no
client of the real host can depend on being absent.

The body limit is the real host's: `FUNCTIONS_REQUEST_BODY_SIZE_LIMIT` (bytes, default 104857600 = 100 MB). An
app that accepts far smaller bodies sets it lower, so neither host buffers more than that before the app runs.
"""
from __future__ import annotations

import json
import logging
import os
from typing import Any, Awaitable, Callable

from aiohttp import web

log = logging.getLogger("devhost")

DEFAULT_BODY_LIMIT = 100 * 1024 * 1024
BODY_LIMIT_SETTING = "FUNCTIONS_REQUEST_BODY_SIZE_LIMIT"
# After a 413 the rest of an oversized body is read and discarded (constant memory), so the client gets the
# answer instead of a reset connection; beyond this much the connection is closed instead.
DRAIN_LIMIT = 256 * 1024 * 1024
_CHUNK = 64 * 1024

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def problem(status: int, title: str, detail: str, **extra: Any) -> web.Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return web.Response(status=status, body=json.dumps(body).encode(), content_type="application/problem+json")


def body_limit() -> int:
    raw = os.environ.get(BODY_LIMIT_SETTING)
    if not raw:
        return DEFAULT_BODY_LIMIT
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"app setting {BODY_LIMIT_SETTING} must be a number of bytes, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"app setting {BODY_LIMIT_SETTING} must be positive, got {value}")
    return value


class BodyTooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(f"the request body is larger than {limit} bytes")
        self.limit = limit


def too_large(limit: int) -> web.Response:
    return problem(413, "Payload Too Large", f"the request body is larger than the host's limit of {limit} bytes "
                   f"({BODY_LIMIT_SETTING})", limit=limit)


async def read_body(request: web.Request, limit: int) -> bytes:
    """The body, read chunk by chunk and refused as soon as it passes `limit` (Content-Length is checked first)."""
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.content.read(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)


async def _drain(request: web.Request) -> bool:
    """Discard what is left of the body; False when it is too much to wait for (the connection is then closed)."""
    discarded = 0
    try:
        while discarded <= DRAIN_LIMIT:
            chunk = await request.content.read(_CHUNK)
            if not chunk:
                return True
            discarded += len(chunk)
    except Exception:  # noqa: BLE001 - a client that gave up; the answer goes nowhere anyway
        return False
    return False


_TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Not Found",
           408: "Request Timeout", 413: "Payload Too Large", 414: "URI Too Long",
           431: "Request Header Fields Too Large", 500: "Internal Server Error", 503: "Service Unavailable"}


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turns aiohttp's plain-text errors (unmatched paths such as one with `%0A`, methods a fixed route does not
    take, its own body limit) and unhandled exceptions into problem+json with the real host's status codes."""
    try:
        response = await handler(request)
    except BodyTooLarge as exc:
        response = too_large(exc.limit)
    except web.HTTPException as exc:
        if exc.status < 400 or (exc.content_type or "").endswith("json"):
            raise
        status = 404 if exc.status in (404, 405) else exc.status
        if exc.status == 413:
            return await _finish_413(request, too_large(body_limit()))
        detail = (f"no function is mapped to {request.method} {request.path!r}" if status == 404
                  else exc.text or exc.reason)
        return problem(status, _TITLES.get(status, exc.reason), detail or exc.reason)
    except Exception:  # noqa: BLE001 - never aiohttp's plain 500; the log has the traceback
        log.exception("Unhandled error in the host while answering %s %s", request.method, request.path)
        return problem(500, "Internal Server Error", "the host failed to answer; see its log")
    if response.status == 413:
        return await _finish_413(request, response)
    return response


async def _finish_413(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    if not await _drain(request):
        response.force_close()
    return response
