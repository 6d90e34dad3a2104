"""Every endpoint the simulator serves answers in the shape GitHub documents, errors and 304 included."""
from __future__ import annotations

import pytest
import requests

from tests.githubsim.github_openapi import assert_github_shape
from tests.support.githubsim import GitHubSim

# (method, path, json body, expected status) against the demo organization, in order (writes change state).
CASES = [
    ("GET", "/orgs/acme", None, 200),
    ("GET", "/orgs/nobody", None, 404),
    ("GET", "/orgs/acme/repos?per_page=4&type=all", None, 200),
    ("GET", "/orgs/acme/outside_collaborators", None, 200),
    ("GET", "/orgs/acme/rulesets", None, 200),
    ("GET", "/orgs/acme/rulesets/7001", None, 200),
    ("GET", "/orgs/acme/rulesets/1", None, 404),
    ("GET", "/repos/acme/payments-api", None, 200),
    ("GET", "/repos/acme/does-not-exist", None, 404),
    ("GET", "/repos/acme/payments-api/git/trees/main?recursive=1", None, 200),
    ("GET", "/repos/acme/payments-api/git/trees/main", None, 200),
    ("GET", "/repos/acme/payments-api/git/trees/no-such-branch", None, 404),
    ("GET", "/repos/acme/payments-api/contents/SECURITY.md", None, 200),
    ("GET", "/repos/acme/payments-api/contents/.github", None, 200),
    ("GET", "/repos/acme/payments-api/contents/MISSING.md", None, 404),
    ("GET", "/repos/acme/payments-api/branches/main/protection", None, 200),
    ("GET", "/repos/acme/payments-api/branches/main", None, 200),
    ("GET", "/repos/acme/web-frontend/branches/main", None, 200),
    ("GET", "/repos/acme/web-frontend/branches/no-such-branch", None, 404),
    ("GET", "/repos/acme/web-frontend/branches/main/protection", None, 404),
    ("GET", "/repos/acme/web-frontend/rules/branches/main", None, 200),
    ("GET", "/repos/acme/terraform-modules/rules/branches/main", None, 200),
    ("GET", "/repos/acme/payments-api/vulnerability-alerts", None, 204),
    ("GET", "/repos/acme/legacy-billing/vulnerability-alerts", None, 404),
    ("GET", "/repos/acme/payments-api/dependabot/alerts?per_page=1", None, 200),
    ("GET", "/repos/acme/legacy-billing/dependabot/alerts?per_page=1", None, 403),
    ("GET", "/repos/acme/data-pipeline/collaborators?affiliation=outside&permission=admin", None, 200),
    ("GET", "/repos/acme/payments-api/topics", None, 200),
    ("GET", "/repos/acme/docs/issues?state=all&labels=policy-violation", None, 200),
    ("GET", "/repos/acme/docs/issues/1", None, 200),
    ("GET", "/repos/acme/docs/issues/99", None, 404),
    ("POST", "/repos/acme/docs/issues", {"title": "[policy] x", "body": "b", "labels": ["policy-violation"]}, 201),
    ("POST", "/repos/acme/docs/issues", {"body": "no title"}, 422),
    ("PATCH", "/repos/acme/docs/issues/2", {"state": "closed", "state_reason": "completed"}, 200),
    ("POST", "/repos/acme/docs/issues/2/comments", {"body": "closing"}, 201),
    ("GET", "/repos/acme/docs/issues/2/comments", None, 200),
    ("GET", "/repos/acme/docs/labels/policy-violation", None, 200),
    ("GET", "/repos/acme/docs/labels/unknown", None, 404),
    ("POST", "/repos/acme/docs/labels", {"name": "compliance", "color": "0e8a16"}, 201),
    ("POST", "/repos/acme/docs/labels", {"name": "compliance", "color": "0e8a16"}, 422),
    ("GET", "/repos/acme/data-pipeline/issues", None, 410),
    ("POST", "/repos/acme/data-pipeline/issues", {"title": "t"}, 410),
    ("POST", "/repos/acme/old-website/issues", {"title": "t"}, 403),
    ("PATCH", "/repos/acme/ml-experiments", {"archived": True}, 200),
    ("PATCH", "/repos/acme/ml-experiments", {"description": "changed"}, 403),
    ("GET", "/rate_limit", None, 200),
    ("GET", "/user", None, 200),
]


@pytest.mark.parametrize("method,path,body,status", CASES, ids=[f"{c[0]} {c[1]} {c[3]}" for c in CASES])
def test_response_matches_githubs_openapi_description(githubsim: GitHubSim, api: requests.Session, method: str,
                                                      path: str, body: dict | None, status: int) -> None:
    if method == "PATCH" and path.endswith("/issues/2"):
        api.post(api.url("/repos/acme/docs/issues"), json={"title": "to close"})
    if path.endswith("/issues/2/comments"):
        api.post(api.url("/repos/acme/docs/issues"), json={"title": "to comment"})
    if body and path.endswith("/labels") and status == 422:
        api.post(api.url(path), json=body)
    if status == 403 and path == "/repos/acme/ml-experiments":
        api.patch(api.url(path), json={"archived": True})
    response = api.request(method, api.url(path), json=body)
    assert response.status_code == status, response.text
    assert_github_shape(response)


def test_not_modified_is_a_documented_empty_answer(api: requests.Session) -> None:
    first = api.get(api.url("/repos/acme/docs/issues/1"))
    again = api.get(api.url("/repos/acme/docs/issues/1"), headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""
    assert_github_shape(again)


def test_bad_credentials_is_401_in_githubs_error_shape(githubsim: GitHubSim) -> None:
    response = requests.get(githubsim.base_url + "/orgs/acme", headers={"Authorization": "token nope"})
    assert response.status_code == 401 and response.json()["message"] == "Bad credentials"
    assert_github_shape(response)


def test_exhausted_rate_limit_is_403_in_githubs_error_shape(githubsim: GitHubSim, api: requests.Session) -> None:
    githubsim.set_rate_limit(remaining=0)
    response = api.get(api.url("/orgs/acme"))
    assert response.status_code == 403
    assert response.json()["message"].startswith("API rate limit exceeded")
    assert_github_shape(response)
