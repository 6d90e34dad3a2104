"""Failures come out typed, with the facts the orchestrator needs (reset time, Retry-After) and never a token."""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone

import pytest

from shared.github import (GatewayOptions, GitHubAuthError, GitHubGateway, GitHubIssuesDisabled, GitHubRateLimited,
                           GitHubUnavailable)
from tests.support.githubsim import GitHubSim

Make = Callable[..., GitHubGateway]


def test_exhausted_budget_raises_rate_limited_with_reset_time(githubsim: GitHubSim, make_gateway: Make) -> None:
    reset = int(time.time()) + 1800
    githubsim.set_rate_limit(remaining=0, reset=reset)
    with pytest.raises(GitHubRateLimited) as caught:
        make_gateway(githubsim).get_repository("acme/docs")
    assert caught.value.secondary is False and caught.value.status == 403
    assert caught.value.reset_at == datetime.fromtimestamp(reset, timezone.utc)
    assert 1700 < (caught.value.retry_after or 0) <= 1800


def test_rate_limit_info_follows_the_last_response(githubsim: GitHubSim, make_gateway: Make) -> None:
    githubsim.set_rate_limit(remaining=42)
    gateway = make_gateway(githubsim)
    assert gateway.rate_limit().remaining == 42  # from the free /rate_limit
    gateway.get_repository("acme/docs")
    info = gateway.rate_limit()
    assert (info.remaining, info.limit) == (41, 5000) and info.reset_at is not None


def test_short_secondary_limit_is_waited_out_then_succeeds(githubsim: GitHubSim, make_gateway: Make) -> None:
    githubsim.fault(r"/issues$", 403, retryAfter=1, method="POST")
    gateway = make_gateway(githubsim)
    started = time.monotonic()
    issue = gateway.create_issue("acme/docs", "t", "b")
    assert time.monotonic() - started >= 1.0
    assert issue["number"] == 2
    statuses = [r["status"] for r in githubsim.requests() if r["method"] == "POST"]
    assert statuses == [403, 201]


def test_long_secondary_limit_raises_with_retry_after(githubsim: GitHubSim, make_gateway: Make) -> None:
    githubsim.fault(r"/issues$", 403, retryAfter=120, method="POST")
    with pytest.raises(GitHubRateLimited) as caught:
        make_gateway(githubsim).create_issue("acme/docs", "t", "b")
    assert caught.value.secondary and caught.value.retry_after == 120
    assert len(githubsim.state.repos["docs"].issues) == 1


def test_5xx_blip_is_retried(githubsim: GitHubSim, make_gateway: Make) -> None:
    githubsim.fault(r"^/repos/acme/docs$", 502, count=2)
    assert make_gateway(githubsim).get_repository("acme/docs")["name"] == "docs"
    assert [r["status"] for r in githubsim.requests()] == [502, 502, 200]


def test_persistent_5xx_raises_unavailable_after_bounded_retries(githubsim: GitHubSim, make_gateway: Make) -> None:
    githubsim.fault(r"^/repos/acme/docs$", 503, count=10)
    with pytest.raises(GitHubUnavailable) as caught:
        make_gateway(githubsim).get_repository("acme/docs")
    assert caught.value.status == 503 and len(githubsim.requests()) == 3


def test_writes_are_not_retried_on_5xx(githubsim: GitHubSim, make_gateway: Make) -> None:
    githubsim.fault(r"/issues$", 502, method="POST")
    with pytest.raises(GitHubUnavailable):
        make_gateway(githubsim).create_issue("acme/docs", "t", "b")
    assert len(githubsim.requests()) == 1


def test_unreachable_server_raises_unavailable(make_gateway: Make, githubsim: GitHubSim) -> None:
    base = githubsim.base_url
    githubsim.stop()
    gone = GitHubSim(base, githubsim.token, "acme")
    with pytest.raises(GitHubUnavailable):
        make_gateway(gone).get_repository("acme/docs")


def test_bad_token_raises_auth_error_without_the_token(githubsim: GitHubSim, make_gateway: Make) -> None:
    secret = "ghp_this_must_never_be_printed_123"
    with pytest.raises(GitHubAuthError) as caught:
        make_gateway(githubsim, token=secret).list_org_repositories("acme")
    assert caught.value.status == 401
    assert secret not in str(caught.value) and secret not in repr(caught.value.args)


def test_issues_disabled_is_typed(githubsim: GitHubSim, make_gateway: Make) -> None:
    with pytest.raises(GitHubIssuesDisabled) as caught:
        make_gateway(githubsim).create_issue("acme/data-pipeline", "t", "b")
    assert caught.value.status == 410


def test_writes_are_paced(githubsim: GitHubSim, make_gateway: Make) -> None:
    gateway = make_gateway(githubsim, options=GatewayOptions(write_interval_seconds=0.3))
    started = time.monotonic()
    for i in range(3):
        gateway.add_comment("acme/docs", 1, f"c{i}")
    assert time.monotonic() - started >= 0.6
