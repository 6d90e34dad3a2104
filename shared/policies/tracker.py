"""The GitHub writes the act step needs, as a narrow Protocol (implemented over the gateway in `github_reader`).

Errors surface as `shared.policies.errors` types; `WriteError.status` carries GitHub's HTTP status for the log.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Issue:
    number: int
    state: str  # open | closed
    body: str
    url: str
    title: str = ""


class WriteError(Exception):
    """A GitHub request of the act step failed for this item only (logged as `failed`)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class IssueTracker(Protocol):
    def get_issue(self, repo: str, number: int) -> Issue | None: ...

    def find_issues(self, repo: str, label: str) -> list[Issue]:
        """Issues (open and closed, not pull requests) carrying the label."""

    def ensure_label(self, repo: str, label: str) -> None: ...

    def create_issue(self, repo: str, title: str, body: str, labels: list[str]) -> Issue: ...

    def update_issue(self, repo: str, number: int, *, state: str | None = None, body: str | None = None,
                     title: str | None = None) -> Issue: ...

    def add_comment(self, repo: str, number: int, body: str) -> None: ...

    def archive_repository(self, repo: str) -> None: ...
