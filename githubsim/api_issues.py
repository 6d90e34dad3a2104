"""Issues, comments and labels, with GitHub's refusals: 410 when issues are disabled, 403 when archived."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from githubsim import render
from githubsim.model import Comment, Issue, Repo
from githubsim.routing import ApiError, Call, Reply, Route, paginate, route

ARCHIVED = "Repository was archived so is read-only."


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _issues_repo(call: Call, write: bool) -> Repo:
    repo = call.repo()
    if write and repo.archived:
        raise ApiError(403, ARCHIVED)
    if not repo.has_issues:
        raise ApiError(410, "Issues are disabled for this repo",
                       doc="https://docs.github.com/v3/issues/")
    return repo


def _issue(repo: Repo, number: str) -> Issue:
    for iss in repo.issues:
        if str(iss.number) == number:
            return iss
    raise ApiError(404, "Not Found")


def _invalid(resource: str, field: str, code: str = "invalid") -> ApiError:
    return ApiError(422, "Validation Failed", errors=[{"resource": resource, "field": field, "code": code}])


def _label_names(call: Call, repo: Repo, raw: Any) -> list[str]:
    if not isinstance(raw, list):
        raise _invalid("Issue", "labels")
    names = []
    for item in raw:
        name = item.get("name") if isinstance(item, dict) else item
        if not isinstance(name, str) or not name.strip():
            raise _invalid("Issue", "labels")
        known = repo.labels.get(name.lower())
        if known is None:  # GitHub creates unknown labels for writers
            known = call.state.add_label(repo, name, "ededed", None)
        if known.name not in names:
            names.append(known.name)
    return names


def list_issues(call: Call) -> Reply:
    state = call.query.get("state", "open")
    if state not in {"open", "closed", "all"}:
        raise _invalid("Issue", "state")
    wanted = [n.strip().lower() for n in call.query.get("labels", "").split(",") if n.strip()]
    sort = call.query.get("sort", "created")
    direction = call.query.get("direction", "desc")
    with call.state.lock:
        repo = _issues_repo(call, write=False)
        found = [i for i in repo.issues if (state == "all" or i.state == state)
                 and all(w in {n.lower() for n in i.labels} for w in wanted)]
        key = {"created": lambda i: (i.created_at, i.number), "updated": lambda i: (i.updated_at, i.number),
               "comments": lambda i: (len(i.comments), i.number)}.get(sort)
        if key is None:
            raise _invalid("Issue", "sort")
        found.sort(key=key, reverse=direction != "asc")
        reply = paginate(call, found)
        reply.body = [render.issue(call.state, call.api, repo, i) for i in reply.body]
        return reply


def create_issue(call: Call) -> Reply:
    body = call.body if isinstance(call.body, dict) else {}
    title = body.get("title")
    if not isinstance(title, (str, int)) or not str(title).strip():
        raise ApiError(422, "Validation Failed", errors=[{"resource": "Issue", "field": "title",
                                                          "code": "missing_field"}])
    if body.get("body") is not None and not isinstance(body.get("body"), str):
        raise _invalid("Issue", "body")
    with call.state.lock:
        repo = _issues_repo(call, write=True)
        labels = _label_names(call, repo, body.get("labels", []))
        now = _now()
        number = max((i.number for i in repo.issues), default=0) + 1
        principal = call.principal.login if call.principal else "octocat"
        iss = Issue(number=number, title=str(title), body=body.get("body"), user=principal, labels=labels,
                    created_at=now, updated_at=now)
        repo.issues.append(iss)
        payload = render.issue(call.state, call.api, repo, iss)
        return Reply(201, payload, {"Location": payload["url"]})


def get_issue(call: Call) -> Reply:
    with call.state.lock:
        repo = _issues_repo(call, write=False)
        return Reply(200, render.issue(call.state, call.api, repo, _issue(repo, call.params["number"])))


def update_issue(call: Call) -> Reply:
    body = call.body if isinstance(call.body, dict) else {}
    if "state" in body and body["state"] not in {"open", "closed"}:
        raise _invalid("Issue", "state")
    if body.get("state_reason") not in {None, "completed", "not_planned", "reopened", "duplicate"}:
        raise _invalid("Issue", "state_reason")
    if "title" in body and (not isinstance(body["title"], str) or not body["title"].strip()):
        raise _invalid("Issue", "title")
    with call.state.lock:
        repo = _issues_repo(call, write=True)
        iss = _issue(repo, call.params["number"])
        if "title" in body:
            iss.title = body["title"]
        if "body" in body:
            iss.body = body["body"]
        if "labels" in body:
            iss.labels = _label_names(call, repo, body["labels"])
        if "state" in body and body["state"] != iss.state:
            iss.state = body["state"]
            iss.closed_at = _now() if iss.state == "closed" else None
            iss.state_reason = (body.get("state_reason") or "completed") if iss.state == "closed" else "reopened"
        elif "state_reason" in body and iss.state == "closed":
            iss.state_reason = body["state_reason"]
        iss.updated_at = _now()
        return Reply(200, render.issue(call.state, call.api, repo, iss))


def list_comments(call: Call) -> Reply:
    with call.state.lock:
        repo = _issues_repo(call, write=False)
        iss = _issue(repo, call.params["number"])
        reply = paginate(call, list(iss.comments))
        reply.body = [render.comment(call.state, call.api, repo, iss, c) for c in reply.body]
        return reply


def create_comment(call: Call) -> Reply:
    body = call.body if isinstance(call.body, dict) else {}
    text = body.get("body")
    if not isinstance(text, str) or not text.strip():
        raise ApiError(422, "Validation Failed", errors=[{"resource": "IssueComment", "field": "body",
                                                          "code": "missing_field"}])
    with call.state.lock:
        repo = _issues_repo(call, write=True)
        iss = _issue(repo, call.params["number"])
        principal = call.principal.login if call.principal else "octocat"
        c = Comment(id=call.state.new_id(), body=text, user=principal, created_at=_now())
        iss.comments.append(c)
        iss.updated_at = c.created_at
        payload = render.comment(call.state, call.api, repo, iss, c)
        return Reply(201, payload, {"Location": payload["url"]})


def get_label(call: Call) -> Reply:
    with call.state.lock:
        repo = call.repo()
        lab = repo.labels.get(call.params["name"].lower())
        if lab is None:
            raise ApiError(404, "Not Found")
        return Reply(200, render.label(call.api, call.state, repo, lab))


def list_labels(call: Call) -> Reply:
    with call.state.lock:
        repo = call.repo()
        reply = paginate(call, sorted(repo.labels.values(), key=lambda lab: lab.name.lower()))
        reply.body = [render.label(call.api, call.state, repo, lab) for lab in reply.body]
        return reply


def create_label(call: Call) -> Reply:
    body = call.body if isinstance(call.body, dict) else {}
    name, color = body.get("name"), str(body.get("color", "ededed")).lstrip("#")
    if not isinstance(name, str) or not name.strip():
        raise ApiError(422, "Validation Failed", errors=[{"resource": "Label", "field": "name",
                                                          "code": "missing_field"}])
    if len(color) != 6 or any(ch not in "0123456789abcdefABCDEF" for ch in color):
        raise _invalid("Label", "color")
    with call.state.lock:
        repo = call.repo()
        if repo.archived:
            raise ApiError(403, ARCHIVED)
        if name.lower() in repo.labels:
            raise ApiError(422, "Validation Failed", errors=[{"resource": "Label", "code": "already_exists",
                                                              "field": "name"}])
        lab = call.state.add_label(repo, name, color.lower(), body.get("description"))
        payload = render.label(call.api, call.state, repo, lab)
        return Reply(201, payload, {"Location": payload["url"]})


ROUTES: list[Route] = [
    route("GET", "/repos/{owner}/{repo}/issues", list_issues),
    route("POST", "/repos/{owner}/{repo}/issues", create_issue),
    route("GET", "/repos/{owner}/{repo}/issues/{number}", get_issue),
    route("PATCH", "/repos/{owner}/{repo}/issues/{number}", update_issue),
    route("GET", "/repos/{owner}/{repo}/issues/{number}/comments", list_comments),
    route("POST", "/repos/{owner}/{repo}/issues/{number}/comments", create_comment),
    route("GET", "/repos/{owner}/{repo}/labels", list_labels),
    route("POST", "/repos/{owner}/{repo}/labels", create_label),
    route("GET", "/repos/{owner}/{repo}/labels/{name}", get_label),
]
