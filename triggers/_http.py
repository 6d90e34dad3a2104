"""The Azure side of the HTTP API: turning domain results and `Problem`s into `func.HttpResponse`s.

Every HTTP trigger goes through `api_handler`, so the request is checked against its operation in the OpenAPI
document (`shared.api.validation`: query and path parameters before the trigger runs, the JSON body when the
trigger reads it) and malformed input, validation problems and unexpected exceptions get the same problem+json
treatment everywhere; no trigger formats an error by hand.
"""
from __future__ import annotations

import functools
import inspect
import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import azure.functions as func

from shared.api import validation
from shared.api.problems import PROBLEM_CONTENT_TYPE, FieldError, Problem, bad_request, conflict, invalid, not_found
from shared.errors import Conflict, InvalidInput, NotConfigured, NotFound, ServiceError
from shared.policies.config import ConfigError

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000
ROUTE_PREFIX = "/api"  # host.json extensions.http.routePrefix; the document's paths are below it


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(body, default=str), status_code=status,
                             mimetype="application/json", charset="utf-8", headers=headers or {})


def problem_response(problem: Problem) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(problem.to_json(), default=str), status_code=problem.status,
                             mimetype=PROBLEM_CONTENT_TYPE, charset="utf-8")


def read_json_object(req: func.HttpRequest, *, required: bool = True) -> dict[str, Any]:
    """The request body as a JSON object valid for this operation's schema, or a 400 naming what is wrong."""
    raw = req.get_body() or b""
    if len(raw) > MAX_BODY_BYTES:
        raise Problem(413, f"body: larger than {MAX_BODY_BYTES} bytes")
    body = validation.validate_body(operation_of(req), raw, required=required)
    if not isinstance(body, dict):
        raise bad_request("body", "must be a JSON object")
    return body


def operation_of(req: func.HttpRequest) -> validation.Operation | None:
    """The OpenAPI operation this request is for (None for routes outside the document, e.g. the dashboard)."""
    path = urlsplit(req.url).path
    if not path.startswith(ROUTE_PREFIX + "/"):
        return None
    return validation.find_operation(req.method or "GET", path[len(ROUTE_PREFIX):])


def validate_parameters(req: func.HttpRequest) -> None:
    """Query and path parameters against the document, before the trigger does any work. The query is read from
    the URL itself: `req.params` keeps one value per name, which would hide `?page=1&page=xyz`."""
    operation = operation_of(req)
    validation.validate_query(operation, urlsplit(req.url).query)
    validation.validate_path(operation, req.route_params)


def base_url(req: func.HttpRequest) -> str:
    """Scheme://host[:port] of the request, for building absolute links (status URLs)."""
    url = req.url
    scheme_end = url.index("://") + 3
    path_start = url.find("/", scheme_end)
    return url if path_start < 0 else url[:path_start]


def config_problem(exc: ConfigError) -> Problem:
    """An invalid policy configuration: one field error per issue, named `configuration:<source>:<line>[:path]`."""
    errors = [FieldError(f"configuration:{i.source}:{i.line}" + (f":{i.path}" if i.path else ""), str(i))
              for i in exc.issues]
    problem = invalid(errors)
    problem.detail = "invalid policy configuration: " + str(exc)
    problem.extra = {"configErrors": config_errors(exc)}
    return problem


def config_errors(exc: ConfigError) -> list[dict[str, Any]]:
    return [{"source": i.source, "line": i.line, "path": i.path, "message": i.message} for i in exc.issues]


def to_problem(exc: Exception) -> Problem | None:
    """The problem+json answer for a domain error; None for anything else (a bug: a bare 500)."""
    if isinstance(exc, Problem):
        return exc
    if isinstance(exc, NotFound):
        return not_found(exc.what)
    if isinstance(exc, InvalidInput):
        return bad_request(exc.field, exc.message)
    if isinstance(exc, Conflict):
        return conflict(exc.detail, **exc.facts)
    if isinstance(exc, NotConfigured):
        return Problem(503, exc.detail)
    if isinstance(exc, ConfigError):
        return config_problem(exc)
    if isinstance(exc, ServiceError):
        return Problem(400, exc.detail, extra=exc.facts)
    return None


def _answer(exc: Exception, name: str) -> func.HttpResponse:
    problem = to_problem(exc)
    if problem is None:
        log.exception("unhandled error in %s", name)
        problem = Problem(500, "an unexpected error occurred; see the host log")
    return problem_response(problem)


Handler = TypeVar("Handler", bound=Callable[..., Any])


def _validate(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """The request's query and path parameters against the document, before the trigger does any work."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, func.HttpRequest):
            validate_parameters(value)


def api_handler(fn: Handler) -> Handler:
    """Validate the parameters, then map `Problem` and the services' domain errors to problem+json; anything else is
    logged and becomes a bare 500 (no internals leak). A plain `def` handler stays plain, so the worker runs it in
    its thread pool."""
    if inspect.iscoroutinefunction(fn):
        @functools.wraps(fn)
        async def async_wrapper(*args: Any, **kwargs: Any) -> func.HttpResponse:
            try:
                _validate(args, kwargs)
                return await fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - every error becomes an answer
                return _answer(exc, fn.__name__)

        return cast(Handler, async_wrapper)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> func.HttpResponse:
        try:
            _validate(args, kwargs)
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - every error becomes an answer
            return _answer(exc, fn.__name__)

    return cast(Handler, wrapper)
