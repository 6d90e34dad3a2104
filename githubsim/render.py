"""JSON bodies in the shapes api.github.com sends (checked against GitHub's OpenAPI description in the tests).

Only the fields a client could rely on are filled with meaningful data; the many `*_url` hypermedia fields are
derived from the API root of the request so that PyGithub can follow them back to this server.
"""
from __future__ import annotations

import base64
import fnmatch
import hashlib
from typing import Any

from githubsim.model import DEFAULT_TS, AppConfig, Comment, Issue, Label, Repo, SimState, blob_sha, stable_id

LICENSES = {
    "mit": ("MIT License", "MIT"),
    "apache-2.0": ("Apache License 2.0", "Apache-2.0"),
    "gpl-3.0": ("GNU General Public License v3.0", "GPL-3.0"),
    "bsd-3-clause": ('BSD 3-Clause "New" or "Revised" License', "BSD-3-Clause"),
    "mpl-2.0": ("Mozilla Public License 2.0", "MPL-2.0"),
    "other": ("Other", "NOASSERTION"),
}


def node_id(kind: str, ident: int) -> str:
    return base64.b64encode(f"0:{kind}{ident}".encode()).decode().rstrip("=")


def user(api: str, html: str, login: str, ident: int, kind: str = "User") -> dict[str, Any]:
    u = f"{api}/users/{login}"
    return {
        "login": login, "id": ident, "node_id": node_id("User", ident),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{ident}?v=4", "gravatar_id": "",
        "url": u, "html_url": f"{html}/{login}", "followers_url": f"{u}/followers",
        "following_url": f"{u}/following{{/other_user}}", "gists_url": f"{u}/gists{{/gist_id}}",
        "starred_url": f"{u}/starred{{/owner}}{{/repo}}", "subscriptions_url": f"{u}/subscriptions",
        "organizations_url": f"{u}/orgs", "repos_url": f"{u}/repos", "events_url": f"{u}/events{{/privacy}}",
        "received_events_url": f"{u}/received_events", "type": kind, "user_view_type": "public",
        "site_admin": False,
    }


def state_user(state: SimState, api: str, login: str) -> dict[str, Any]:
    known = state.user(login)
    return user(api, state.html_base, known["login"], known["id"], known["type"])


def org_owner(state: SimState, api: str) -> dict[str, Any]:
    return user(api, state.html_base, state.org_login, state.org["id"], "Organization")


def private_user(state: SimState, api: str, login: str) -> dict[str, Any]:
    body = state_user(state, api, login)
    body.update({"user_view_type": "private", "name": login, "company": None, "blog": "", "location": None,
                 "email": None, "hireable": None, "bio": None, "twitter_username": None, "public_repos": 0,
                 "public_gists": 0, "followers": 0, "following": 0, "created_at": DEFAULT_TS,
                 "updated_at": DEFAULT_TS, "private_gists": 0, "total_private_repos": 0, "owned_private_repos": 0,
                 "disk_usage": 0, "collaborators": 0, "two_factor_authentication": True})
    return body


def organization(state: SimState, api: str) -> dict[str, Any]:
    o, login = state.org, state.org_login
    base = f"{api}/orgs/{login}"
    repos = list(state.repos.values())
    return {
        "login": login, "id": o["id"], "node_id": node_id("Organization", o["id"]), "url": base,
        "repos_url": f"{base}/repos", "events_url": f"{base}/events", "hooks_url": f"{base}/hooks",
        "issues_url": f"{base}/issues", "members_url": f"{base}/members{{/member}}",
        "public_members_url": f"{base}/public_members{{/member}}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{o['id']}?v=4", "description": o.get("description"),
        "name": o.get("name"), "blog": "", "twitter_username": None, "is_verified": False, "has_organization_projects": True,
        "has_repository_projects": True, "public_repos": sum(1 for r in repos if not r.private),
        "public_gists": 0, "followers": 0, "following": 0, "html_url": f"{state.html_base}/{login}",
        "type": "Organization", "total_private_repos": sum(1 for r in repos if r.private),
        "owned_private_repos": sum(1 for r in repos if r.private), "default_repository_permission": "read",
        "members_can_create_repositories": True, "two_factor_requirement_enabled": True,
        "web_commit_signoff_required": False, "created_at": o.get("created_at", DEFAULT_TS),
        "updated_at": o.get("updated_at", DEFAULT_TS), "archived_at": None,
    }


def license_simple(api: str, key: str | None) -> dict[str, Any] | None:
    if not key:
        return None
    name, spdx = LICENSES.get(key, (key, key.upper()))
    return {"key": key, "name": name, "spdx_id": spdx,
            "url": None if key == "other" else f"{api}/licenses/{key}", "node_id": node_id("License", stable_id(key))}


def _security_and_analysis(repo: Repo) -> dict[str, Any] | None:
    if repo.security_and_analysis is None:
        return None
    # The seed may say {"secret_scanning": "enabled"} or {"secret_scanning": {"status": "enabled"}}.
    return {k: (v if isinstance(v, dict) else {"status": v}) for k, v in repo.security_and_analysis.items()}


def repository(state: SimState, api: str, repo: Repo, full: bool) -> dict[str, Any]:
    """`minimal-repository` (organization listing) or `full-repository` (GET/PATCH a repository)."""
    full_name = f"{state.org_login}/{repo.name}"
    u = f"{api}/repos/{full_name}"
    html = f"{state.html_base}/{full_name}"
    open_issues = sum(1 for i in repo.issues if i.state == "open")
    body: dict[str, Any] = {
        "id": repo.id, "node_id": node_id("Repository", repo.id), "name": repo.name, "full_name": full_name,
        "owner": org_owner(state, api), "private": repo.private, "html_url": html, "description": repo.description,
        "fork": repo.fork, "url": u,
        "archive_url": f"{u}/{{archive_format}}{{/ref}}", "assignees_url": f"{u}/assignees{{/user}}",
        "blobs_url": f"{u}/git/blobs{{/sha}}", "branches_url": f"{u}/branches{{/branch}}",
        "collaborators_url": f"{u}/collaborators{{/collaborator}}", "comments_url": f"{u}/comments{{/number}}",
        "commits_url": f"{u}/commits{{/sha}}", "compare_url": f"{u}/compare/{{base}}...{{head}}",
        "contents_url": f"{u}/contents/{{+path}}", "contributors_url": f"{u}/contributors",
        "deployments_url": f"{u}/deployments", "downloads_url": f"{u}/downloads", "events_url": f"{u}/events",
        "forks_url": f"{u}/forks", "git_commits_url": f"{u}/git/commits{{/sha}}",
        "git_refs_url": f"{u}/git/refs{{/sha}}", "git_tags_url": f"{u}/git/tags{{/sha}}",
        "git_url": f"git://github.com/{full_name}.git", "issue_comment_url": f"{u}/issues/comments{{/number}}",
        "issue_events_url": f"{u}/issues/events{{/number}}", "issues_url": f"{u}/issues{{/number}}",
        "keys_url": f"{u}/keys{{/key_id}}", "labels_url": f"{u}/labels{{/name}}", "languages_url": f"{u}/languages",
        "merges_url": f"{u}/merges", "milestones_url": f"{u}/milestones{{/number}}",
        "notifications_url": f"{u}/notifications{{?since,all,participating}}", "pulls_url": f"{u}/pulls{{/number}}",
        "releases_url": f"{u}/releases{{/id}}", "ssh_url": f"git@github.com:{full_name}.git",
        "stargazers_url": f"{u}/stargazers", "statuses_url": f"{u}/statuses/{{sha}}",
        "subscribers_url": f"{u}/subscribers", "subscription_url": f"{u}/subscription", "tags_url": f"{u}/tags",
        "teams_url": f"{u}/teams", "trees_url": f"{u}/git/trees{{/sha}}", "clone_url": f"{html}.git",
        "mirror_url": None, "hooks_url": f"{u}/hooks", "svn_url": html, "homepage": repo.homepage,
        "language": repo.language, "forks_count": 0, "stargazers_count": repo.stargazers_count,
        "watchers_count": repo.stargazers_count, "size": repo.size, "default_branch": repo.default_branch,
        "open_issues_count": open_issues, "is_template": repo.is_template, "topics": list(repo.topics),
        "has_issues": repo.has_issues, "has_projects": repo.has_projects, "has_wiki": repo.has_wiki,
        "has_pages": False, "has_downloads": True, "has_discussions": repo.has_discussions,
        "archived": repo.archived, "disabled": False, "visibility": repo.visibility, "pushed_at": repo.pushed_at,
        "created_at": repo.created_at, "updated_at": repo.updated_at,
        "permissions": {"admin": True, "maintain": True, "push": True, "triage": True, "pull": True},
        "allow_forking": repo.allow_forking, "web_commit_signoff_required": repo.web_commit_signoff_required,
        "license": license_simple(api, repo.license), "forks": 0, "open_issues": open_issues,
        "watchers": repo.stargazers_count, "delete_branch_on_merge": repo.delete_branch_on_merge,
        "security_and_analysis": _security_and_analysis(repo), "custom_properties": dict(repo.custom_properties),
    }
    if full:
        body.update({
            "allow_rebase_merge": True, "allow_squash_merge": True, "allow_merge_commit": True,
            "allow_auto_merge": False, "allow_update_branch": False, "use_squash_pr_title_as_default": False,
            "squash_merge_commit_title": "COMMIT_OR_PR_TITLE", "squash_merge_commit_message": "COMMIT_MESSAGES",
            "merge_commit_title": "MERGE_MESSAGE", "merge_commit_message": "PR_TITLE", "temp_clone_token": "",
            "network_count": 0, "subscribers_count": 0, "organization": org_owner(state, api),
        })
    return body


def label(api: str, state: SimState, repo: Repo, lab: Label) -> dict[str, Any]:
    return {"id": lab.id, "node_id": node_id("Label", lab.id),
            "url": f"{api}/repos/{state.org_login}/{repo.name}/labels/{lab.name.replace(' ', '%20')}",
            "name": lab.name, "description": lab.description, "color": lab.color, "default": False}


def issue(state: SimState, api: str, repo: Repo, iss: Issue) -> dict[str, Any]:
    full_name = f"{state.org_login}/{repo.name}"
    u = f"{api}/repos/{full_name}/issues/{iss.number}"
    ident = stable_id("issue", full_name, iss.number)
    labels = [label(api, state, repo, repo.labels[n.lower()]) for n in iss.labels if n.lower() in repo.labels]
    return {
        "id": ident, "node_id": node_id("Issue", ident), "url": u, "repository_url": f"{api}/repos/{full_name}",
        "labels_url": f"{u}/labels{{/name}}", "comments_url": f"{u}/comments", "events_url": f"{u}/events",
        "html_url": f"{state.html_base}/{full_name}/issues/{iss.number}", "number": iss.number,
        "state": iss.state, "state_reason": iss.state_reason, "title": iss.title, "body": iss.body,
        "user": state_user(state, api, iss.user), "labels": labels, "assignee": None, "assignees": [],
        "milestone": None, "locked": False, "active_lock_reason": None, "comments": len(iss.comments),
        "closed_at": iss.closed_at, "created_at": iss.created_at, "updated_at": iss.updated_at,
        "author_association": "NONE", "timeline_url": f"{u}/timeline",
    }


def comment(state: SimState, api: str, repo: Repo, iss: Issue, c: Comment) -> dict[str, Any]:
    full_name = f"{state.org_login}/{repo.name}"
    return {
        "id": c.id, "node_id": node_id("IssueComment", c.id),
        "url": f"{api}/repos/{full_name}/issues/comments/{c.id}",
        "html_url": f"{state.html_base}/{full_name}/issues/{iss.number}#issuecomment-{c.id}",
        "issue_url": f"{api}/repos/{full_name}/issues/{iss.number}", "body": c.body,
        "user": state_user(state, api, c.user), "created_at": c.created_at, "updated_at": c.created_at,
        "author_association": "NONE",
    }


def tree(state: SimState, api: str, repo: Repo, recursive: bool) -> dict[str, Any]:
    u = f"{api}/repos/{state.org_login}/{repo.name}/git"
    entries: dict[str, dict[str, Any]] = {}
    for path, content in sorted(repo.files.items()):
        parts = path.split("/")
        for depth in range(1, len(parts)):
            d = "/".join(parts[:depth])
            if d not in entries and (recursive or depth == 1):
                sha = blob_sha("tree:" + d)
                entries[d] = {"path": d, "mode": "040000", "type": "tree", "sha": sha, "url": f"{u}/trees/{sha}"}
        if recursive or len(parts) == 1:
            sha = blob_sha(content)
            entries[path] = {"path": path, "mode": "100644", "type": "blob", "sha": sha,
                             "size": len(content.encode()), "url": f"{u}/blobs/{sha}"}
    sha = repo.tree_sha()
    return {"sha": sha, "url": f"{u}/trees/{sha}", "tree": [entries[k] for k in sorted(entries)], "truncated": False}


def _content_links(state: SimState, api: str, repo: Repo, path: str, sha: str, kind: str) -> dict[str, Any]:
    full_name = f"{state.org_login}/{repo.name}"
    self_url = f"{api}/repos/{full_name}/contents/{path}?ref={repo.default_branch}"
    git_url = f"{api}/repos/{full_name}/git/{'blobs' if kind == 'file' else 'trees'}/{sha}"
    html_url = f"{state.html_base}/{full_name}/{'blob' if kind == 'file' else 'tree'}/{repo.default_branch}/{path}"
    download = (f"https://raw.githubusercontent.com/{full_name}/{repo.default_branch}/{path}"
                if kind == "file" else None)
    return {"url": self_url, "git_url": git_url, "html_url": html_url, "download_url": download,
            "_links": {"self": self_url, "git": git_url, "html": html_url}}


def content_file(state: SimState, api: str, repo: Repo, path: str) -> dict[str, Any]:
    text = repo.files[path]
    raw = text.encode()
    encoded = base64.b64encode(raw).decode()
    wrapped = "\n".join(encoded[i:i + 60] for i in range(0, len(encoded), 60)) + "\n"
    sha = blob_sha(text)
    return {"type": "file", "encoding": "base64", "size": len(raw), "name": path.rsplit("/", 1)[-1],
            "path": path, "content": wrapped, "sha": sha, **_content_links(state, api, repo, path, sha, "file")}


def content_directory(state: SimState, api: str, repo: Repo, path: str) -> list[dict[str, Any]] | None:
    prefix = f"{path}/" if path else ""
    seen: dict[str, dict[str, Any]] = {}
    for file_path, text in sorted(repo.files.items()):
        if not file_path.startswith(prefix):
            continue
        rest = file_path[len(prefix):]
        head = rest.split("/", 1)[0]
        child = prefix + head
        if child in seen:
            continue
        is_file = "/" not in rest
        sha = blob_sha(text) if is_file else blob_sha("tree:" + child)
        kind = "file" if is_file else "dir"
        seen[child] = {"type": kind, "size": len(text.encode()) if is_file else 0, "name": head, "path": child,
                       "sha": sha, **_content_links(state, api, repo, child, sha, kind)}
    return list(seen.values()) if seen else None


def branch_protection(state: SimState, api: str, repo: Repo, branch: str, p: dict[str, Any]) -> dict[str, Any]:
    """Seed protection settings (flat, readable) rendered as `protected-branch`."""
    u = f"{api}/repos/{state.org_login}/{repo.name}/branches/{branch}/protection"
    body: dict[str, Any] = {
        "url": u,
        "required_signatures": {"url": f"{u}/required_signatures", "enabled": bool(p.get("required_signatures"))},
        "enforce_admins": {"url": f"{u}/enforce_admins", "enabled": bool(p.get("enforce_admins"))},
        "required_linear_history": {"enabled": bool(p.get("required_linear_history"))},
        "allow_force_pushes": {"enabled": bool(p.get("allow_force_pushes"))},
        "allow_deletions": {"enabled": bool(p.get("allow_deletions"))},
        "block_creations": {"enabled": False},
        "required_conversation_resolution": {"enabled": bool(p.get("required_conversation_resolution"))},
        "lock_branch": {"enabled": False}, "allow_fork_syncing": {"enabled": False},
    }
    if "required_approving_review_count" in p or p.get("require_pull_request"):
        body["required_pull_request_reviews"] = {
            "url": f"{u}/required_pull_request_reviews",
            "dismiss_stale_reviews": bool(p.get("dismiss_stale_reviews")),
            "require_code_owner_reviews": bool(p.get("require_code_owner_reviews")),
            "required_approving_review_count": int(p.get("required_approving_review_count", 0)),
            "require_last_push_approval": bool(p.get("require_last_push_approval")),
        }
    if "required_status_checks" in p:
        contexts = list(p["required_status_checks"])
        body["required_status_checks"] = {
            "url": f"{u}/required_status_checks", "strict": bool(p.get("strict")), "contexts": contexts,
            "checks": [{"context": c, "app_id": None} for c in contexts],
            "contexts_url": f"{u}/required_status_checks/contexts",
        }
    return body


def org_ruleset_applies(rs: dict[str, Any], repo: Repo) -> bool:
    """GitHub's organization ruleset repository conditions: name globs (`~ALL`), repository ids or custom property
    values."""
    if "repository_id" in rs:
        return repo.id in {int(i) for i in (rs["repository_id"] or {}).get("repository_ids", [])}
    if "repository_property" in rs:
        cond = rs["repository_property"]

        def has(spec: dict[str, Any]) -> bool:
            value = repo.custom_properties.get(spec["name"])
            values = value if isinstance(value, list) else [value]
            return any(v in spec.get("property_values", []) for v in values)

        return all(has(s) for s in cond.get("include", [])) and not any(has(s) for s in cond.get("exclude", []))
    cond = rs.get("repository_name") or {"include": ["~ALL"]}

    def named(patterns: list[str]) -> bool:
        return any(p == "~ALL" or fnmatch.fnmatchcase(repo.name, p) for p in patterns)

    return named(cond.get("include", [])) and not named(cond.get("exclude", []))


def org_ruleset_conditions(rs: dict[str, Any]) -> dict[str, Any]:
    """`org-ruleset-conditions` as GitHub writes them for an organization ruleset (REST and the
    `repository_ruleset` webhook): `ref_name` plus exactly one of `repository_name`, `repository_id`,
    `repository_property`."""
    conditions: dict[str, Any] = {"ref_name": {"include": list(rs.get("branches", ["~DEFAULT_BRANCH"])),
                                               "exclude": []}}
    if "repository_id" in rs:
        conditions["repository_id"] = {"repository_ids": [int(i) for i in (rs["repository_id"] or {}).get(
            "repository_ids", [])]}
    elif "repository_property" in rs:
        prop = rs["repository_property"]
        conditions["repository_property"] = {
            key: [{"name": s["name"], "property_values": list(s.get("property_values", [])), "source": "custom"}
                  for s in prop.get(key, [])] for key in ("include", "exclude")}
    else:
        names = rs.get("repository_name") or {"include": ["~ALL"]}
        conditions["repository_name"] = {"include": list(names.get("include", [])),
                                         "exclude": list(names.get("exclude", [])), "protected": False}
    return conditions


def _targets_branch(rs: dict[str, Any], repo: Repo, branch: str) -> bool:
    targets = rs.get("branches", ["~DEFAULT_BRANCH"])
    return any(t == "~ALL" or t == branch or t == f"refs/heads/{branch}"
               or (t == "~DEFAULT_BRANCH" and branch == repo.default_branch) for t in targets)


def branch_rules(state: SimState, repo: Repo, branch: str) -> list[dict[str, Any]]:
    """The rules of every active ruleset whose target includes `branch` (repository and organization rulesets)."""
    rules: list[dict[str, Any]] = []
    scoped = [(rs, rs.get("source_type", "Repository")) for rs in repo.rulesets]
    scoped += [(rs, "Organization") for rs in state.org_rulesets if org_ruleset_applies(rs, repo)]
    for rs, source_type in scoped:
        if rs.get("enforcement", "active") != "active" or not _targets_branch(rs, repo, branch):
            continue
        source = state.org_login if source_type == "Organization" else f"{state.org_login}/{repo.name}"
        for rule in rs.get("rules", []):
            rules.append({**rule, "ruleset_source_type": source_type, "ruleset_source": source,
                          "ruleset_id": int(rs.get("id", stable_id("ruleset", repo.name, rs.get("name"))))})
    return rules


def org_ruleset(state: SimState, api: str, rs: dict[str, Any], full: bool) -> dict[str, Any]:
    """`repository-ruleset` as GitHub answers for an organization ruleset; the list omits conditions and rules."""
    u = f"{api}/orgs/{state.org_login}/rulesets/{rs['id']}"
    body: dict[str, Any] = {
        "id": rs["id"], "name": rs["name"], "target": "branch", "source_type": "Organization",
        "source": state.org_login, "enforcement": rs.get("enforcement", "active"),
        "node_id": node_id("RepositoryRuleset", rs["id"]),
        "_links": {"self": {"href": u}, "html": {"href": f"{state.html_base}/organizations/{state.org_login}"
                                                          f"/settings/rules/{rs['id']}"}},
        "created_at": DEFAULT_TS, "updated_at": rs.get("updated_at", DEFAULT_TS)}
    if full:
        body.update(bypass_actors=[], current_user_can_bypass="never", conditions=org_ruleset_conditions(rs),
                    rules=[dict(r) for r in rs.get("rules", [])])
    return body


def branch(state: SimState, api: str, repo: Repo, name: str) -> dict[str, Any]:
    """`branch-with-protection`; the commit follows the tree, so a push (or protection change) changes the ETag."""
    full = f"{state.org_login}/{repo.name}"
    sha = hashlib.sha1(f"{repo.tree_sha()}:{name}".encode()).hexdigest()
    tree = repo.tree_sha()
    c = f"{api}/repos/{full}/commits/{sha}"
    person = {"name": "octocat", "email": "octocat@github.com", "date": repo.pushed_at}
    p = repo.branch_protection.get(name)
    checks = list((p or {}).get("required_status_checks", []))
    return {
        "name": name,
        "commit": {"url": c, "sha": sha, "node_id": node_id("Commit", stable_id("commit", full, sha)),
                   "html_url": f"{state.html_base}/{full}/commit/{sha}", "comments_url": f"{c}/comments",
                   "commit": {"author": person, "committer": person, "message": "Update", "comment_count": 0,
                              "tree": {"sha": tree, "url": f"{api}/repos/{full}/git/trees/{tree}"},
                              "url": f"{api}/repos/{full}/git/commits/{sha}"},
                   "author": None, "committer": None, "parents": []},
        "_links": {"self": f"{api}/repos/{full}/branches/{name}", "html": f"{state.html_base}/{full}/tree/{name}"},
        "protected": p is not None,
        "protection": {"enabled": p is not None,
                       "required_status_checks": {"enforcement_level": "non_admins" if checks else "off",
                                                  "contexts": checks, "checks": [{"context": x, "app_id": None}
                                                                                 for x in checks]}},
        "protection_url": f"{api}/repos/{full}/branches/{name}/protection",
    }


def collaborator(state: SimState, api: str, entry: dict[str, Any]) -> dict[str, Any]:
    perm = entry.get("permission", "push")
    order = ["pull", "triage", "push", "maintain", "admin"]
    level = order.index(perm) if perm in order else 2
    body = state_user(state, api, entry["login"])
    body["permissions"] = {name: order.index(name) <= level for name in order}
    body["role_name"] = {"pull": "read", "push": "write"}.get(perm, perm)
    return body


def integration(state: SimState, api: str, app: AppConfig) -> dict[str, Any]:
    return {"id": app.id, "slug": app.slug, "node_id": node_id("Integration", app.id), "client_id": f"Iv1.{app.id}",
            "owner": org_owner(state, api), "name": app.name, "description": "Scans repositories for policy "
            "violations", "external_url": "https://example.invalid", "html_url": f"{state.html_base}/apps/{app.slug}",
            "created_at": DEFAULT_TS, "updated_at": DEFAULT_TS,
            "permissions": {"administration": "write", "contents": "read", "issues": "write", "metadata": "read"},
            "events": [], "installations_count": len(app.installations)}


def error(message: str, status: int, doc: str = "https://docs.github.com/rest") -> dict[str, Any]:
    return {"message": message, "documentation_url": doc, "status": str(status)}
