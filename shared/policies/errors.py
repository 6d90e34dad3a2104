"""Failures of GitHub access that change the course of a scan (the orchestrator branches on them).

The reader (`github_reader.py`) translates the gateway's errors into these, so the evaluator and the dispatcher
do not depend on the gateway's exception classes.
"""
from __future__ import annotations


class RateLimited(Exception):
    """The request budget is spent; wait until `reset_at` (ISO-8601 UTC) and try again."""

    def __init__(self, reset_at: str) -> None:
        super().__init__(f"GitHub rate limit reached; resets at {reset_at}")
        self.reset_at = reset_at


class AuthFailed(Exception):
    """GitHub rejected the credentials (401): retrying cannot help, the scan fails at once."""


class Unavailable(Exception):
    """GitHub answered 5xx or did not answer: worth retrying with back-off."""


class IssuesDisabled(Exception):
    """The repository has issues turned off (410): the issue action is skipped."""


class NotFound(Exception):
    pass


class Forbidden(Exception):
    pass
