"""Paging, rate-limit accounting, conditional requests, secondary limits and injected faults."""
from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests

from githubsim.seedgen import generate_org
from tests.githubsim.github_openapi import assert_github_shape
from tests.support.githubsim import GitHubSim, start_githubsim

RATE_HEADERS = ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-used", "x-ratelimit-reset",
                "x-ratelimit-resource"]


@pytest.fixture
def big_org() -> Iterator[GitHubSim]:
    sim = start_githubsim(generate_org(250))
    yield sim
    sim.stop()


def _auth(sim: GitHubSim) -> dict[str, str]:
    return {"Authorization": f"Bearer {sim.token}"}


def test_org_listing_pages_with_next_and_last_links(big_org: GitHubSim) -> None:
    url = f"{big_org.base_url}/orgs/acme/repos?per_page=100"
    names: list[str] = []
    pages = 0
    while url:
        resp = requests.get(url, headers=_auth(big_org))
        assert resp.status_code == 200
        pages += 1
        names += [r["name"] for r in resp.json()]
        links = requests.utils.parse_header_links(resp.headers.get("Link", ""))
        rels = {link["rel"]: link["url"] for link in links}
        if pages == 1:
            assert rels["last"].endswith("page=3") and "prev" not in rels
        url = rels.get("next", "")
    assert pages == 3 and len(names) == 250 and len(set(names)) == 250


def test_per_page_is_capped_at_100_and_last_page_links_back(big_org: GitHubSim) -> None:
    resp = requests.get(f"{big_org.base_url}/orgs/acme/repos?per_page=500&page=3", headers=_auth(big_org))
    assert len(resp.json()) == 50
    rels = {link["rel"] for link in requests.utils.parse_header_links(resp.headers["Link"])}
    assert rels == {"prev", "first"}


def test_type_filter_returns_only_forks(big_org: GitHubSim) -> None:
    resp = requests.get(f"{big_org.base_url}/orgs/acme/repos?type=forks&per_page=100", headers=_auth(big_org))
    assert resp.json() and all(r["fork"] for r in resp.json())


def test_every_response_carries_rate_limit_headers(githubsim: GitHubSim) -> None:
    for path, headers in [("/orgs/acme", _auth(githubsim)), ("/repos/acme/missing", _auth(githubsim)),
                          ("/orgs/acme", {"Authorization": "token wrong"})]:
        resp = requests.get(githubsim.base_url + path, headers=headers)
        assert all(h in resp.headers for h in RATE_HEADERS), (path, resp.headers)


def test_requests_spend_the_budget_but_304_does_not(githubsim: GitHubSim) -> None:
    url = githubsim.base_url + "/repos/acme/docs"
    first = requests.get(url, headers=_auth(githubsim))
    before = int(first.headers["x-ratelimit-remaining"])
    second = requests.get(url, headers={**_auth(githubsim), "If-None-Match": first.headers["ETag"]})
    assert second.status_code == 304 and second.content == b""
    assert int(second.headers["x-ratelimit-remaining"]) == before
    third = requests.get(url, headers=_auth(githubsim))
    assert int(third.headers["x-ratelimit-remaining"]) == before - 1
    counters = githubsim.counters()
    assert counters["byTemplate"]["GET /repos/{owner}/{repo}"] == {"200": 2, "304": 1}
    assert counters["counted"] == 2 and counters["notCounted"] == 1


def test_etag_changes_when_the_resource_changes(githubsim: GitHubSim) -> None:
    url = githubsim.base_url + "/repos/acme/docs"
    etag = requests.get(url, headers=_auth(githubsim)).headers["ETag"]
    assert etag.startswith('W/"')
    requests.patch(url, json={"description": "new words"}, headers=_auth(githubsim))
    resp = requests.get(url, headers={**_auth(githubsim), "If-None-Match": etag})
    assert resp.status_code == 200 and resp.headers["ETag"] != etag


def test_exhausted_primary_limit_is_403_until_reset(githubsim: GitHubSim) -> None:
    reset = int(time.time()) + 2
    githubsim.set_rate_limit(remaining=1, reset=reset)
    assert requests.get(githubsim.base_url + "/orgs/acme", headers=_auth(githubsim)).status_code == 200
    blocked = requests.get(githubsim.base_url + "/orgs/acme", headers=_auth(githubsim))
    assert blocked.status_code == 403 and blocked.headers["x-ratelimit-remaining"] == "0"
    assert blocked.headers["x-ratelimit-reset"] == str(reset)
    assert "rate limit exceeded" in blocked.json()["message"]
    time.sleep(max(0.0, reset - time.time()) + 0.1)
    assert requests.get(githubsim.base_url + "/orgs/acme", headers=_auth(githubsim)).status_code == 200


def test_rate_limit_endpoint_is_free(githubsim: GitHubSim) -> None:
    remaining = [requests.get(githubsim.base_url + "/rate_limit", headers=_auth(githubsim)).json()["rate"]
                 ["remaining"] for _ in range(3)]
    assert len(set(remaining)) == 1


def test_write_burst_hits_secondary_limit_with_retry_after(githubsim: GitHubSim) -> None:
    githubsim.update({"secondaryLimit": {"maxWrites": 2, "windowSeconds": 60, "retryAfter": 7}})
    url = githubsim.base_url + "/repos/acme/docs/issues"
    statuses = [requests.post(url, json={"title": f"t{i}"}, headers=_auth(githubsim)) for i in range(3)]
    assert [r.status_code for r in statuses] == [201, 201, 403]
    assert statuses[2].headers["Retry-After"] == "7"
    assert statuses[2].json()["message"].startswith("You have exceeded a secondary rate limit")
    assert_github_shape(statuses[2])
    assert len(githubsim.state.repos["docs"].issues) == 3  # the seeded one + two created


def test_fault_applies_to_next_k_matching_requests_only(githubsim: GitHubSim) -> None:
    githubsim.fault(r"^/repos/acme/docs$", 502, count=2)
    url = githubsim.base_url + "/repos/acme/docs"
    codes = [requests.get(url, headers=_auth(githubsim)).status_code for _ in range(3)]
    other = requests.get(githubsim.base_url + "/orgs/acme", headers=_auth(githubsim)).status_code
    assert codes == [502, 502, 200] and other == 200


def test_secondary_fault_sends_retry_after(githubsim: GitHubSim) -> None:
    githubsim.fault("/issues", 403, retryAfter=3, method="POST")
    resp = requests.post(githubsim.base_url + "/repos/acme/docs/issues", json={"title": "x"},
                         headers=_auth(githubsim))
    assert resp.status_code == 403 and resp.headers["Retry-After"] == "3"
    assert "secondary rate limit" in resp.json()["message"]


def test_latency_is_added_to_every_request(githubsim: GitHubSim) -> None:
    githubsim.update({"latencyMs": 60})
    started = time.perf_counter()
    requests.get(githubsim.base_url + "/orgs/acme", headers=_auth(githubsim))
    assert time.perf_counter() - started >= 0.06


def test_request_log_never_records_credentials(githubsim: GitHubSim) -> None:
    requests.get(githubsim.base_url + "/orgs/acme", headers=_auth(githubsim))
    assert githubsim.token not in str(githubsim.requests())


def test_subprocess_server_serves_the_seed(tmp_path: object) -> None:
    sim = start_githubsim(subprocess=True, latency_ms=5)
    try:
        resp = requests.get(sim.base_url + "/orgs/acme/repos", headers=_auth(sim))
        assert resp.status_code == 200 and len(resp.json()) == 9
        assert sim.counters()["counted"] == 1
    finally:
        sim.stop()
