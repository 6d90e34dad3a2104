"""Typed GitHub failures. Each carries the HTTP status (when there was one) and a message fit for logs and job
status: the URL path and GitHub's own message, never a token or an Authorization header."""
from __future__ import annotations

from datetime import datetime


class GitHubError(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class GitHubAuthError(GitHubError):
    """401: the token or the app credentials are wrong or expired; retrying cannot help."""


class GitHubRateLimited(GitHubError):
    """Primary (budget spent until `reset_at`) or secondary (wait `retry_after` seconds) limit.

    `reset_at` is an aware UTC datetime: the orchestrator waits on a durable timer until then.
    """

    def __init__(self, message: str, status: int | None, reset_at: datetime, retry_after: float | None,
                 secondary: bool) -> None:
        super().__init__(message, status)
        self.reset_at = reset_at
        self.retry_after = retry_after
        self.secondary = secondary


class GitHubUnavailable(GitHubError):
    """5xx, timeouts, connection failures: retriable later (the gateway already retried quick blips)."""


class GitHubIssuesDisabled(GitHubError):
    """410: the repository has issues turned off."""


class GitHubNotFound(GitHubError):
    """404 where absence is not a plain answer (e.g. the repository or organization itself is gone)."""


class GitHubForbidden(GitHubError):
    """403 that is not a rate limit: missing permission, or an archived repository refusing writes."""


class GitHubValidationFailed(GitHubError):
    """422: GitHub refused the request body."""
