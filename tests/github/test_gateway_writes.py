"""Issue, label and archive writes: idempotent where the act step retries them."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from shared.github import GitHubForbidden, GitHubGateway
from tests.support.githubsim import GitHubSim

Make = Callable[..., GitHubGateway]


def test_ensure_label_is_idempotent(githubsim: GitHubSim, make_gateway: Make) -> None:
    gateway = make_gateway(githubsim)
    first = gateway.ensure_label("acme/web-frontend", "policy-violation", "d73a4a", "Opened by the enforcer")
    second = gateway.ensure_label("acme/web-frontend", "policy-violation")
    assert first["name"] == second["name"] == "policy-violation"
    posts = [r for r in githubsim.requests() if r["method"] == "POST"]
    assert len(posts) == 1
    assert githubsim.state.repos["web-frontend"].labels["policy-violation"].description == "Opened by the enforcer"


def test_ensure_label_survives_a_concurrent_creation(githubsim: GitHubSim, make_gateway: Make) -> None:
    gateway = make_gateway(githubsim)
    assert gateway.get_issue("acme/web-frontend", 1) is None
    # Another worker creates the label between our GET (404) and our POST: simulated with a one-shot 404.
    githubsim.fault(r"/labels/race$", 404, method="GET", message="Not Found")
    githubsim.state.add_label(githubsim.state.repos["web-frontend"], "race", "ededed", None)
    assert gateway.ensure_label("acme/web-frontend", "race")["name"] == "race"


def test_issue_round_trip(githubsim: GitHubSim, make_gateway: Make) -> None:
    gateway = make_gateway(githubsim)
    created = gateway.create_issue("acme/docs", "[policy] License", "Add a LICENSE", ["policy-violation"])
    assert [i["number"] for i in gateway.find_issues("acme/docs", "policy-violation")] == [created["number"], 1]
    gateway.update_issue("acme/docs", created["number"], state="closed", state_reason="completed", body="fixed")
    gateway.add_comment("acme/docs", created["number"], "Resolved: the repository now complies.")
    found = gateway.get_issue("acme/docs", created["number"])
    assert found and (found["state"], found["state_reason"], found["body"]) == ("closed", "completed", "fixed")
    assert gateway.find_issues("acme/docs", "policy-violation", state="open")[0]["number"] == 1


def test_archive_is_idempotent_and_makes_the_repository_read_only(githubsim: GitHubSim, make_gateway: Make) -> None:
    gateway = make_gateway(githubsim)
    assert gateway.archive_repository("acme/ml-experiments")["archived"] is True
    assert gateway.archive_repository("acme/ml-experiments")["archived"] is True
    with pytest.raises(GitHubForbidden) as caught:
        gateway.create_issue("acme/ml-experiments", "t", "b")
    assert caught.value.status == 403 and "archived" in str(caught.value)
