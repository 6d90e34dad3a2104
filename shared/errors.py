"""What a product service can refuse, in domain words. The HTTP triggers map these to problem+json
(`triggers/_http.py`), the timer and the queue triggers log them: no caller below a trigger sees an HTTP type."""
from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A use case refused the request; `detail` is written for the person who asked."""

    def __init__(self, detail: str, **facts: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.facts = facts  # machine-readable context (`jobStatus`, `runningScanId`, ...)


class NotFound(ServiceError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} was not found")
        self.what = what


class Conflict(ServiceError):
    """The object exists but is in a state that does not allow this (already ended, already running, ...)."""


class InvalidInput(ServiceError):
    """One named field of the request cannot be accepted."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotConfigured(ServiceError):
    """A setting the use case needs is missing (the operator, not the caller, must act)."""
