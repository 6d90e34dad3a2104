"""Dispatcher decisions with an in-memory IssueTracker (our own interface, not PyGithub) and a real SQLite DB."""
from __future__ import annotations

from pathlib import Path

import pytest

from shared.policies import store
from shared.policies.config import parse_config
from shared.policies.dispatcher import ActContext, dispatch
from shared.policies.errors import IssuesDisabled
from shared.policies.store import WorkItem
from shared.policies.tracker import Issue
from shared.storage.db import Database

CONFIG = """settings: {maxIssuesPerRun: 1}
policies:
  - {id: readme, check: readme-present}
  - {id: dry, check: readme-present, dryRun: true}
  - {id: old, check: repository-active, action: archive-repo}
  - {id: topics, check: topics-present, action: log-only}
"""


class MemoryTracker:
    def __init__(self, disabled: set[str] = frozenset()) -> None:
        self.issues: dict[str, list[Issue]] = {}
        self.writes: list[str] = []
        self.disabled = disabled

    def get_issue(self, repo: str, number: int) -> Issue | None:
        return next((i for i in self.issues.get(repo, []) if i.number == number), None)

    def find_issues(self, repo: str, label: str) -> list[Issue]:
        return list(self.issues.get(repo, []))

    def ensure_label(self, repo: str, label: str) -> None:
        self.writes.append(f"label {repo}")

    def create_issue(self, repo: str, title: str, body: str, labels: list[str]) -> Issue:
        if repo in self.disabled:
            raise IssuesDisabled("410")
        issue = Issue(len(self.issues.get(repo, [])) + 1, "open", body, f"https://x/{repo}/1", title)
        self.issues.setdefault(repo, []).append(issue)
        self.writes.append(f"create {repo}")
        return issue

    def update_issue(self, repo, number, *, state=None, body=None, title=None) -> Issue:  # noqa: ANN001
        raise AssertionError("not expected")

    def add_comment(self, repo: str, number: int, body: str) -> None:
        raise AssertionError("not expected")

    def archive_repository(self, repo: str) -> None:
        raise AssertionError("not expected")


@pytest.fixture
def ctx(tmp_path: Path) -> ActContext:
    db = Database(f"sqlite:///{tmp_path / 'app.db'}")
    return ActContext(db, "scan-1", "scan-1:act", 1, "acme", parse_config(CONFIG), MemoryTracker(), False)


def _item(repo: str, policy: str) -> WorkItem:
    return WorkItem("violation", repo, policy, "create-issue", "msg", {"a": 1}, "h1")


def _outcomes(ctx: ActContext) -> list[str]:
    return [r.outcome for r in store.list_actions(ctx.db, "scan-1", 0, 50)[0]]


def test_per_policy_dry_run_sends_nothing(ctx: ActContext) -> None:
    dispatch(_item("a", "dry"), ctx)
    assert ctx.tracker.writes == [] and _outcomes(ctx) == ["dry-run"]


def test_issue_cap_carries_the_rest_to_the_next_run(ctx: ActContext) -> None:
    dispatch(_item("a", "readme"), ctx)
    dispatch(_item("b", "readme"), ctx)
    assert _outcomes(ctx) == ["created", "skipped"]
    assert store.get_link(ctx.db, "a", "readme")["issue_number"] == 1


def test_archive_disabled_and_log_only_send_nothing(ctx: ActContext) -> None:
    dispatch(_item("a", "old"), ctx)
    dispatch(_item("a", "topics"), ctx)
    assert ctx.tracker.writes == [] and _outcomes(ctx) == ["skipped", "logged"]


def test_issues_disabled_is_logged_as_skipped_with_410(ctx: ActContext) -> None:
    ctx.tracker.disabled = {"acme/a"}
    dispatch(_item("a", "readme"), ctx)
    row = store.list_actions(ctx.db, "scan-1", 0, 5)[0][0]
    assert (row.outcome, row.http_status) == ("skipped", 410)


def test_a_claim_held_by_another_run_blocks_the_write(ctx: ActContext) -> None:
    assert store.claim_link(ctx.db, "a", "readme", "scan-0:act")
    dispatch(_item("a", "readme"), ctx)
    assert ctx.tracker.writes == [] and _outcomes(ctx) == ["skipped"]
