"""Request budget: a "not protected" 404 re-scans for free while the branch is unchanged, and is re-asked (with the
right answer) as soon as the branch changes; organization rulesets are read in full once."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from shared.github import GitHubGateway
from tests.support.githubsim import GitHubSim


def _counted(sim: GitHubSim) -> dict[str, dict[str, int]]:
    return sim.counters()["byTemplate"]


def test_unprotected_branch_rescans_without_spending_requests(githubsim: GitHubSim,
                                                              make_gateway: Callable[..., GitHubGateway]) -> None:
    first = make_gateway(githubsim)
    assert first.get_branch_protection("acme/web-frontend", "main") is None
    githubsim.clear_log()

    again = make_gateway(githubsim)  # a later scan: new transport, same database
    assert again.get_branch_protection("acme/web-frontend", "main") is None
    assert _counted(githubsim) == {"GET /repos/{owner}/{repo}/branches/{branch}": {"304": 1}}
    assert githubsim.counters()["counted"] == 0


def test_protection_added_later_is_seen_on_the_next_scan(githubsim: GitHubSim,
                                                         make_gateway: Callable[..., GitHubGateway]) -> None:
    gateway = make_gateway(githubsim)
    assert gateway.get_branch_protection("acme/web-frontend", "main") is None
    githubsim.state.repos["web-frontend"].branch_protection["main"] = {"required_approving_review_count": 3}
    protection = make_gateway(githubsim).get_branch_protection("acme/web-frontend", "main")
    assert protection and protection["required_pull_request_reviews"]["required_approving_review_count"] == 3
    # and removing it again is a 404 re-anchored, then free
    del githubsim.state.repos["web-frontend"].branch_protection["main"]
    assert make_gateway(githubsim).get_branch_protection("acme/web-frontend", "main") is None
    githubsim.clear_log()
    assert make_gateway(githubsim).get_branch_protection("acme/web-frontend", "main") is None
    assert githubsim.counters()["counted"] == 0


def test_a_push_costs_one_branch_request_and_keeps_the_verdict(githubsim: GitHubSim,
                                                               make_gateway: Callable[..., GitHubGateway]) -> None:
    make_gateway(githubsim).get_branch_protection("acme/web-frontend", "main")
    githubsim.state.repos["web-frontend"].files["CHANGELOG.md"] = "pushed\n"
    githubsim.clear_log()
    assert make_gateway(githubsim).get_branch_protection("acme/web-frontend", "main") is None
    assert _counted(githubsim) == {"GET /repos/{owner}/{repo}/branches/{branch}": {"200": 1}}


def test_protected_branch_never_asks_for_the_branch(githubsim: GitHubSim,
                                                    make_gateway: Callable[..., GitHubGateway]) -> None:
    make_gateway(githubsim).get_branch_protection("acme/payments-api", "main")
    make_gateway(githubsim).get_branch_protection("acme/payments-api", "main")
    assert set(_counted(githubsim)) == {"GET /repos/{owner}/{repo}/branches/{branch}/protection"}
    assert _counted(githubsim)["GET /repos/{owner}/{repo}/branches/{branch}/protection"] == {"200": 1, "304": 1}


def test_org_rulesets_come_with_conditions_and_rules(githubsim: GitHubSim,
                                                     make_gateway: Callable[..., GitHubGateway]) -> None:
    rulesets = make_gateway(githubsim).list_org_rulesets("acme")
    assert [(r["id"], r["enforcement"]) for r in rulesets] == [(7001, "evaluate")]
    assert rulesets[0]["conditions"]["ref_name"]["include"] == ["~DEFAULT_BRANCH"]
    assert {r["type"] for r in rulesets[0]["rules"]} == {"pull_request", "non_fast_forward"}


def test_dependabot_alerts_list_decides_and_rescans_for_free_when_on(githubsim: GitHubSim,
                                                                      make_gateway: Callable[..., GitHubGateway]
                                                                      ) -> None:
    assert make_gateway(githubsim).dependabot_alerts_enabled("acme/payments-api") is True
    assert make_gateway(githubsim).dependabot_alerts_enabled("acme/legacy-billing") is False
    githubsim.clear_log()
    assert make_gateway(githubsim).dependabot_alerts_enabled("acme/payments-api") is True
    assert _counted(githubsim) == {"GET /repos/{owner}/{repo}/dependabot/alerts": {"304": 1}}
    githubsim.state.repos["payments-api"].vulnerability_alerts = False  # turned off: seen at once
    assert make_gateway(githubsim).dependabot_alerts_enabled("acme/payments-api") is False


def test_dependabot_alerts_list_that_cannot_tell_defers_to_the_setting(githubsim: GitHubSim,
                                                                        make_gateway: Callable[..., GitHubGateway]
                                                                        ) -> None:
    githubsim.state.repos["payments-api"].archived = True
    assert make_gateway(githubsim).dependabot_alerts_enabled("acme/payments-api") is None
    githubsim.fault("/repos/acme/docs/dependabot/alerts", 403, message="Resource not accessible by integration")
    assert make_gateway(githubsim).dependabot_alerts_enabled("acme/docs") is None


def test_reader_falls_back_to_the_setting_once_the_alerts_list_is_denied(githubsim: GitHubSim,
                                                                          make_gateway: Callable[..., GitHubGateway],
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.policies import github_reader
    from shared.policies.github_reader import GitHubSession
    from shared.policies.repo import RepoSnapshot

    monkeypatch.setattr(github_reader, "_alerts_list_denied_until", [0.0])  # process-wide: restored afterwards
    session = GitHubSession(make_gateway(githubsim), reserve=0)
    githubsim.fault("/repos/acme/payments-api/dependabot/alerts", 403,
                    message="Resource not accessible by integration")
    assert session.repo_reader().vulnerability_alerts_enabled(RepoSnapshot("payments-api", "acme/payments-api"))
    assert session.alerts_list_unreadable
    assert session.repo_reader().vulnerability_alerts_enabled(RepoSnapshot("legacy-billing", "acme/legacy-billing")) \
        is False
    templates = _counted(githubsim)
    assert templates["GET /repos/{owner}/{repo}/dependabot/alerts"] == {"403": 1}  # not asked again
    assert templates["GET /repos/{owner}/{repo}/vulnerability-alerts"] == {"204": 1, "404": 1}
    assert GitHubSession(make_gateway(githubsim), reserve=0).alerts_list_unreadable  # the next chunk knows too
