"""Organization and repository endpoints: listing, settings, tree, contents, branches, protection, rules (repository
and organization rulesets), collaborators."""
from __future__ import annotations

from datetime import datetime, timezone

from githubsim import render
from githubsim.model import Repo
from githubsim.routing import ApiError, Call, Reply, Route, paginate, route

_NOW = lambda: datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731


def _org(call: Call) -> None:
    if call.params["org"].lower() != call.state.org_login.lower():
        raise ApiError(404, "Not Found")


def get_org(call: Call) -> Reply:
    _org(call)
    with call.state.lock:
        return Reply(200, render.organization(call.state, call.api))


def list_org_repos(call: Call) -> Reply:
    _org(call)
    kind = call.query.get("type", "all")
    sort = call.query.get("sort", "created")
    direction = call.query.get("direction", "asc" if sort == "full_name" else "desc")
    with call.state.lock:
        repos = list(call.state.repos.values())
        keep = {
            "all": lambda r: True, "member": lambda r: True, "public": lambda r: not r.private,
            "private": lambda r: r.private, "forks": lambda r: r.fork, "sources": lambda r: not r.fork,
        }.get(kind)
        if keep is None:
            raise ApiError(422, "Validation Failed", errors=[{"resource": "Search", "field": "type",
                                                              "code": "invalid"}])
        repos = [r for r in repos if keep(r)]
        key = {"created": lambda r: (r.created_at, r.id), "updated": lambda r: (r.updated_at, r.id),
               "pushed": lambda r: (r.pushed_at, r.id), "full_name": lambda r: (r.name.lower(), r.id)}
        repos.sort(key=key.get(sort, key["created"]), reverse=direction == "desc")
        reply = paginate(call, repos)
        reply.body = [render.repository(call.state, call.api, r, full=False) for r in reply.body]
        return reply


def get_repo(call: Call) -> Reply:
    with call.state.lock:
        return Reply(200, render.repository(call.state, call.api, call.repo(), full=True))


_EDITABLE = {"description": str, "homepage": str, "has_issues": bool, "has_wiki": bool, "has_projects": bool,
             "delete_branch_on_merge": bool, "archived": bool, "is_template": bool, "allow_forking": bool,
             "default_branch": str, "visibility": str, "private": bool}


def patch_repo(call: Call) -> Reply:
    body = call.body if isinstance(call.body, dict) else {}
    with call.state.lock:
        repo = call.repo()
        for name, value in body.items():
            expected = _EDITABLE.get(name)
            if expected is None:
                continue
            if not isinstance(value, expected) and not (value is None and expected is str):
                raise ApiError(422, "Validation Failed", errors=[{"resource": "Repository", "field": name,
                                                                  "code": "invalid"}])
        if repo.archived and body.get("archived") is not False:
            raise ApiError(403, "Repository was archived so is read-only.")
        for name, value in body.items():
            if name == "private":
                repo.visibility = "private" if value else "public"
            elif name in _EDITABLE:
                setattr(repo, name, value)
        repo.updated_at = _NOW()
        return Reply(200, render.repository(call.state, call.api, repo, full=True))


def get_tree(call: Call) -> Reply:
    recursive = call.query.get("recursive", "") not in {"", "0", "false"}
    with call.state.lock:
        repo = call.repo()
        ref = call.params["ref"]
        if not repo.files:
            raise ApiError(409, "Git Repository is empty.")
        if ref not in repo.all_branches() and ref != repo.tree_sha():
            raise ApiError(404, "Not Found")
        return Reply(200, render.tree(call.state, call.api, repo, recursive))


def get_contents(call: Call) -> Reply:
    path = call.params.get("path", "").strip("/")
    with call.state.lock:
        repo = call.repo()
        ref = call.query.get("ref")
        if ref and ref not in repo.all_branches():
            raise ApiError(404, f"No commit found for the ref {ref}")
        if path in repo.files:
            return Reply(200, render.content_file(call.state, call.api, repo, path))
        listing = render.content_directory(call.state, call.api, repo, path)
        if listing is None:
            raise ApiError(404, "Not Found")
        return Reply(200, listing)


def get_root_contents(call: Call) -> Reply:
    call.params["path"] = ""
    return get_contents(call)


def _branch(repo: Repo, branch: str) -> None:
    if branch not in repo.all_branches():
        raise ApiError(404, "Branch not found")


def get_branch_protection(call: Call) -> Reply:
    with call.state.lock:
        repo = call.repo()
        branch = call.params["branch"]
        _branch(repo, branch)
        settings = repo.branch_protection.get(branch)
        if settings is None:
            raise ApiError(404, "Branch not protected",
                           doc="https://docs.github.com/rest/branches/branch-protection#get-branch-protection")
        return Reply(200, render.branch_protection(call.state, call.api, repo, branch, settings))


def get_branch_rules(call: Call) -> Reply:
    with call.state.lock:
        repo = call.repo()
        return paginate(call, render.branch_rules(call.state, repo, call.params["branch"]))


def get_branch(call: Call) -> Reply:
    with call.state.lock:
        repo = call.repo()
        _branch(repo, call.params["branch"])
        return Reply(200, render.branch(call.state, call.api, repo, call.params["branch"]))


def list_org_rulesets(call: Call) -> Reply:
    _org(call)
    with call.state.lock:
        reply = paginate(call, list(call.state.org_rulesets))
        reply.body = [render.org_ruleset(call.state, call.api, rs, full=False) for rs in reply.body]
        return reply


def get_org_ruleset(call: Call) -> Reply:
    _org(call)
    with call.state.lock:
        for rs in call.state.org_rulesets:
            if str(rs["id"]) == call.params["ruleset_id"]:
                return Reply(200, render.org_ruleset(call.state, call.api, rs, full=True))
    raise ApiError(404, "Not Found")


def get_vulnerability_alerts(call: Call) -> Reply:
    with call.state.lock:
        enabled = call.repo().vulnerability_alerts
    # GitHub documents both answers without a body.
    return Reply(204 if enabled else 404, None)


def list_dependabot_alerts(call: Call) -> Reply:
    with call.state.lock:
        repo = call.repo()
        if repo.archived:
            raise ApiError(403, "Dependabot alerts are not available for archived repositories.")
        if not repo.vulnerability_alerts:
            raise ApiError(403, "Dependabot alerts are disabled for this repository.")
        return paginate(call, [])  # the simulator tracks the setting, not the alerts


def list_collaborators(call: Call) -> Reply:
    affiliation = call.query.get("affiliation", "all")
    permission = call.query.get("permission")
    with call.state.lock:
        repo = call.repo()
        people = [c for c in repo.collaborators
                  if (affiliation == "all" or (affiliation == "outside") == bool(c.get("outside")))
                  and (permission is None or c.get("permission", "push") == permission)]
        reply = paginate(call, sorted(people, key=lambda c: c["login"].lower()))
        reply.body = [render.collaborator(call.state, call.api, c) for c in reply.body]
        return reply


def list_outside_collaborators(call: Call) -> Reply:
    _org(call)
    with call.state.lock:
        logins = set(call.state.org_outside_collaborators)
        for repo in call.state.repos.values():
            logins.update(c["login"] for c in repo.collaborators if c.get("outside"))
        reply = paginate(call, sorted(logins, key=str.lower))
        reply.body = [render.state_user(call.state, call.api, login) for login in reply.body]
        return reply


def get_topics(call: Call) -> Reply:
    with call.state.lock:
        return Reply(200, {"names": list(call.repo().topics)})


def get_custom_properties(call: Call) -> Reply:
    with call.state.lock:
        props = call.repo().custom_properties
        return Reply(200, [{"property_name": k, "value": v} for k, v in sorted(props.items())])


ROUTES: list[Route] = [
    route("GET", "/orgs/{org}", get_org),
    route("GET", "/orgs/{org}/repos", list_org_repos),
    route("GET", "/orgs/{org}/outside_collaborators", list_outside_collaborators),
    route("GET", "/orgs/{org}/rulesets", list_org_rulesets),
    route("GET", "/orgs/{org}/rulesets/{ruleset_id}", get_org_ruleset),
    route("GET", "/repos/{owner}/{repo}", get_repo),
    route("PATCH", "/repos/{owner}/{repo}", patch_repo),
    route("GET", "/repos/{owner}/{repo}/git/trees/{ref}", get_tree),
    route("GET", "/repos/{owner}/{repo}/contents/", get_root_contents),
    route("GET", "/repos/{owner}/{repo}/contents/{path}", get_contents),
    route("GET", "/repos/{owner}/{repo}/branches/{branch}/protection", get_branch_protection),
    route("GET", "/repos/{owner}/{repo}/branches/{branch}", get_branch),
    route("GET", "/repos/{owner}/{repo}/rules/branches/{branch}", get_branch_rules),
    route("GET", "/repos/{owner}/{repo}/vulnerability-alerts", get_vulnerability_alerts),
    route("GET", "/repos/{owner}/{repo}/dependabot/alerts", list_dependabot_alerts),
    route("GET", "/repos/{owner}/{repo}/collaborators", list_collaborators),
    route("GET", "/repos/{owner}/{repo}/topics", get_topics),
    route("GET", "/repos/{owner}/{repo}/properties/values", get_custom_properties),
]
