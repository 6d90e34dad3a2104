"""RFC 9457 problem details: every error the HTTP API returns has this one shape.

Clients (and the old Hangfire dashboard users' scripts) branch on `status` and read `errors[].field`, so validation
failures name the offending field instead of returning free text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROBLEM_CONTENT_TYPE = "application/problem+json"

_TITLES = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
           409: "Conflict", 413: "Payload Too Large", 415: "Unsupported Media Type", 500: "Internal Server Error",
           503: "Service Unavailable"}


@dataclass
class FieldError:
    field: str
    message: str


@dataclass
class Problem(Exception):
    """An API error; raise it anywhere below a trigger and the trigger turns it into a response."""

    status: int
    detail: str
    errors: list[FieldError] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    type: str = "about:blank"

    def __post_init__(self) -> None:
        super().__init__(self.detail)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "title": _TITLES.get(self.status, "Error"),
                                "status": self.status, "detail": self.detail}
        if self.errors:
            body["errors"] = [{"field": e.field, "message": e.message} for e in self.errors]
        body.update(self.extra)
        return body


def bad_request(field_name: str, message: str) -> Problem:
    """One invalid field: the detail repeats the field name so a human reading only `detail` still knows."""
    return Problem(400, f"{field_name}: {message}", [FieldError(field_name, message)])


def invalid(errors: list[FieldError]) -> Problem:
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    return Problem(400, detail, errors)


def not_found(what: str) -> Problem:
    return Problem(404, f"{what} was not found")


def conflict(detail: str, **extra: Any) -> Problem:
    return Problem(409, detail, extra=extra)
