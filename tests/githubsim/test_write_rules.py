"""GitHub's refusals the enforcer must survive: archived repositories are read-only, disabled issues are gone."""
from __future__ import annotations

import requests

from tests.support.githubsim import GitHubSim


def test_archived_repository_refuses_issue_writes(githubsim: GitHubSim, api: requests.Session) -> None:
    assert api.patch(api.url("/repos/acme/docs"), json={"archived": True}).json()["archived"] is True
    create = api.post(api.url("/repos/acme/docs/issues"), json={"title": "t"})
    comment = api.post(api.url("/repos/acme/docs/issues/1/comments"), json={"body": "b"})
    close = api.patch(api.url("/repos/acme/docs/issues/1"), json={"state": "closed"})
    assert {r.status_code for r in (create, comment, close)} == {403}
    assert create.json()["message"] == "Repository was archived so is read-only."
    assert api.get(api.url("/repos/acme/docs/issues/1")).json()["state"] == "open"
    assert len(githubsim.state.repos["docs"].issues) == 1


def test_archived_repository_can_be_unarchived(api: requests.Session) -> None:
    api.patch(api.url("/repos/acme/docs"), json={"archived": True})
    assert api.patch(api.url("/repos/acme/docs"), json={"archived": False}).json()["archived"] is False
    assert api.post(api.url("/repos/acme/docs/issues"), json={"title": "t"}).status_code == 201


def test_issues_disabled_answers_410_everywhere(api: requests.Session) -> None:
    for method, path, body in [("GET", "/repos/acme/data-pipeline/issues", None),
                               ("POST", "/repos/acme/data-pipeline/issues", {"title": "t"}),
                               ("GET", "/repos/acme/data-pipeline/issues/1", None)]:
        resp = api.request(method, api.url(path), json=body)
        assert resp.status_code == 410 and resp.json()["message"] == "Issues are disabled for this repo"


def test_issue_lifecycle_filters_and_comments(api: requests.Session) -> None:
    created = api.post(api.url("/repos/acme/web-frontend/issues"),
                       json={"title": "[policy] x", "body": "b", "labels": ["policy-violation"]}).json()
    assert created["number"] == 1 and [lab["name"] for lab in created["labels"]] == ["policy-violation"]
    api.post(api.url("/repos/acme/web-frontend/issues"), json={"title": "unrelated"})
    labelled = api.get(api.url("/repos/acme/web-frontend/issues?labels=policy-violation&state=all")).json()
    assert [i["number"] for i in labelled] == [1]
    closed = api.patch(api.url("/repos/acme/web-frontend/issues/1"),
                       json={"state": "closed", "state_reason": "not_planned", "body": "resolved"}).json()
    assert (closed["state"], closed["state_reason"], closed["body"]) == ("closed", "not_planned", "resolved")
    assert closed["closed_at"]
    assert [i["number"] for i in api.get(api.url("/repos/acme/web-frontend/issues")).json()] == [2]
    api.post(api.url("/repos/acme/web-frontend/issues/1/comments"), json={"body": "done"})
    assert [c["body"] for c in api.get(api.url("/repos/acme/web-frontend/issues/1/comments")).json()] == ["done"]
    reopened = api.patch(api.url("/repos/acme/web-frontend/issues/1"), json={"state": "open"}).json()
    assert (reopened["state"], reopened["state_reason"], reopened["closed_at"]) == ("open", "reopened", None)


def test_existing_label_cannot_be_created_twice(api: requests.Session) -> None:
    first = api.post(api.url("/repos/acme/docs/labels"), json={"name": "Security", "color": "ff0000"})
    second = api.post(api.url("/repos/acme/docs/labels"), json={"name": "security", "color": "ff0000"})
    assert first.status_code == 201 and second.status_code == 422
    assert second.json()["errors"][0]["code"] == "already_exists"
    assert api.get(api.url("/repos/acme/docs/labels/SECURITY")).json()["name"] == "Security"


def test_contents_are_base64_and_tree_lists_nested_paths(api: requests.Session) -> None:
    import base64

    body = api.get(api.url("/repos/acme/payments-api/contents/.github/CODEOWNERS")).json()
    assert base64.b64decode(body["content"]).decode() == "* @acme/payments\n"
    tree = api.get(api.url("/repos/acme/payments-api/git/trees/main?recursive=1")).json()
    paths = {e["path"] for e in tree["tree"]}
    assert {".github", ".github/CODEOWNERS", "src/app.py"} <= paths and tree["truncated"] is False
    top = api.get(api.url("/repos/acme/payments-api/git/trees/main")).json()
    assert ".github/CODEOWNERS" not in {e["path"] for e in top["tree"]}


def test_bad_json_body_is_400_and_changes_nothing(githubsim: GitHubSim, api: requests.Session) -> None:
    resp = api.post(api.url("/repos/acme/docs/issues"), data="{not json",
                    headers={"Content-Type": "application/json"})
    assert resp.status_code == 400 and len(githubsim.state.repos["docs"].issues) == 1
