"""Reading an organization through the gateway: paging, lazy per-repository calls, the ETag cache across runs."""
from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from github import Auth, Github

from githubsim.seedgen import generate_org
from shared.github import GitHubGateway
from tests.support.githubsim import GitHubSim, start_githubsim


@pytest.fixture
def org250() -> Iterator[GitHubSim]:
    sim = start_githubsim(generate_org(250))
    yield sim
    sim.stop()


def test_listing_pages_through_250_repositories(org250: GitHubSim, make_gateway: Callable[..., GitHubGateway]) -> None:
    repos = make_gateway(org250).list_org_repositories("acme")
    assert len({r["full_name"] for r in repos}) == 250
    assert org250.counters()["byTemplate"]["GET /orgs/{org}/repos"] == {"200": 3}


def test_second_gateway_with_fresh_process_state_gets_304s(org250: GitHubSim,
                                                            make_gateway: Callable[..., GitHubGateway]) -> None:
    first = make_gateway(org250)
    repos = first.list_org_repositories("acme")
    for repo in repos[:20]:
        first.get_tree_paths(repo["full_name"], repo["default_branch"])
        first.get_branch_protection(repo["full_name"], "main")
    spent = org250.counters()["counted"]
    org250.clear_log()

    second = make_gateway(org250)  # new PyGithub client and transport; only the database is shared
    again = second.list_org_repositories("acme")
    trees = [second.get_tree_paths(r["full_name"], r["default_branch"]) for r in again[:20]]
    assert again == repos and all(trees)
    counters = org250.counters()
    assert counters["byStatus"].get("304", 0) >= 3 + 20
    assert second.stats.not_modified >= 23
    assert counters["counted"] == 0 and spent > 20


def test_changed_repository_is_fetched_again(githubsim: GitHubSim,
                                             make_gateway: Callable[..., GitHubGateway]) -> None:
    gateway = make_gateway(githubsim)
    assert gateway.get_file_text("acme/docs", "mkdocs.yml") == "site_name: Acme\n"
    githubsim.state.repos["docs"].files["mkdocs.yml"] = "site_name: Changed\n"
    assert gateway.get_file_text("acme/docs", "mkdocs.yml") == "site_name: Changed\n"


def test_absence_is_an_answer_not_an_error(githubsim: GitHubSim, make_gateway: Callable[..., GitHubGateway]) -> None:
    gateway = make_gateway(githubsim)
    assert gateway.get_file_text("acme/docs", "SECURITY.md") is None
    assert gateway.get_file_text("acme/payments-api", ".github") is None  # a directory
    assert gateway.get_branch_protection("acme/web-frontend", "main") is None
    assert gateway.get_tree_paths("acme/docs", "no-such-branch") is None
    assert gateway.vulnerability_alerts_enabled("acme/legacy-billing") is False
    assert gateway.vulnerability_alerts_enabled("acme/payments-api") is True


def test_per_repository_reads(githubsim: GitHubSim, make_gateway: Callable[..., GitHubGateway]) -> None:
    gateway = make_gateway(githubsim)
    assert {"SECURITY.md", ".github/CODEOWNERS"} <= (gateway.get_tree_paths("acme/payments-api", "main") or set())
    protection = gateway.get_branch_protection("acme/payments-api", "main")
    assert protection and protection["required_pull_request_reviews"]["required_approving_review_count"] == 2
    rules = gateway.get_branch_rules("acme/terraform-modules", "main")
    assert [(r["type"], r["ruleset_source_type"]) for r in rules] == [("deletion", "Organization")]
    assert gateway.repo_outside_admins("acme/data-pipeline") == ["freelancer-fay"]
    assert gateway.outside_collaborators("acme") == ["contractor-carl", "freelancer-fay"]


def test_pygithub_high_level_api_works_against_the_simulator(githubsim: GitHubSim) -> None:
    gh = Github(base_url=githubsim.base_url, auth=Auth.Token(githubsim.token), retry=None)
    org = gh.get_organization("acme")
    names = sorted(r.name for r in org.get_repos())
    assert "payments-api" in names and len(names) == 9
    repo = gh.get_repo("acme/docs")
    issue = repo.create_issue(title="via PyGithub", body="b", labels=["policy-violation"])
    issue.edit(state="closed", state_reason="not_planned")
    assert repo.get_issue(issue.number).state == "closed"
    assert repo.get_contents("mkdocs.yml").decoded_content == b"site_name: Acme\n"
    gh.close()
