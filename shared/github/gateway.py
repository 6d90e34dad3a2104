"""The GitHub calls the Policy Enforcer makes, as one class with a narrow surface.

The organization listing already carries most repository fields, so it is fetched first and whole; everything
else is per repository and lazy (a policy asks only for what it checks). Absence that is an answer (no such file,
branch not protected) is returned as None; failures that change the course of a scan raise typed errors
(`shared.github.errors`). All GETs are conditional, so a re-scan of an unchanged organization spends almost no
rate limit.
"""
from __future__ import annotations

import base64
import binascii
import urllib.parse
from typing import Any

from github import Auth, Github

from shared.github.errors import GitHubAuthError
from shared.github.etag_cache import EtagCache
from shared.github.transport import GatewayOptions, RateLimitInfo, Transport, raise_for

_NOT_PROTECTED = "404@"  # ETag-cache marker: the protection URL answered 404 while the branch had this ETag


def _q(segment: str) -> str:
    return urllib.parse.quote(segment, safe="")


def _repo_path(full_name: str) -> str:
    owner, _, name = full_name.partition("/")
    if not owner or not name:
        raise ValueError(f"repository must be 'owner/name', got {full_name!r}")
    return f"/repos/{_q(owner)}/{_q(name)}"


def _issue(raw: dict[str, Any]) -> dict[str, Any]:
    return {"number": raw["number"], "state": raw["state"], "state_reason": raw.get("state_reason"),
            "title": raw.get("title") or "", "body": raw.get("body") or "", "html_url": raw.get("html_url", ""),
            "labels": [lab["name"] if isinstance(lab, dict) else lab for lab in raw.get("labels", [])]}


class GitHubGateway:
    def __init__(self, github: Github, cache: EtagCache | None = None,
                 options: GatewayOptions | None = None) -> None:
        self.transport = Transport(github, cache, options or GatewayOptions())
        self.per_page = self.transport.options.per_page

    @property
    def stats(self) -> Any:
        """Requests sent, 304s served from the cache, retries, per status (for budgets and benchmarks)."""
        return self.transport.stats

    def close(self) -> None:
        self.transport.github.close()

    # -- organization ------------------------------------------------------------------------------------------
    def list_org_repositories(self, org: str, type: str = "all") -> list[dict[str, Any]]:
        """Every repository of the organization as GitHub's `minimal-repository` JSON, all pages."""
        return self.transport.get_paged(f"/orgs/{_q(org)}/repos?type={_q(type)}&per_page={self.per_page}")

    def outside_collaborators(self, org: str) -> list[str]:
        users = self.transport.get_paged(f"/orgs/{_q(org)}/outside_collaborators?per_page={self.per_page}")
        return [u["login"] for u in users]

    # -- repository --------------------------------------------------------------------------------------------
    def get_repository(self, repo_full_name: str) -> dict[str, Any]:
        url = _repo_path(repo_full_name)
        resp = self.transport.get(url)
        if resp.status != 200:
            raise_for(resp, url)
        return resp.data

    def get_tree_paths(self, repo_full_name: str, ref: str) -> set[str] | None:
        """File paths (`blob` entries) of `ref`, recursive; empty for an empty repository, None if `ref` is gone.

        Folders (`tree`) and submodules (`commit`) are left out: a `security/` folder is not a SECURITY.md."""
        url = f"{_repo_path(repo_full_name)}/git/trees/{_q(ref)}?recursive=1"
        resp = self.transport.get(url)
        if resp.status == 409:
            return set()
        if resp.status == 404:
            return None
        if resp.status != 200:
            raise_for(resp, url)
        return {entry["path"] for entry in resp.data.get("tree", []) if entry.get("type", "blob") == "blob"}

    def get_file_text(self, repo_full_name: str, path: str, ref: str | None = None) -> str | None:
        url = f"{_repo_path(repo_full_name)}/contents/{urllib.parse.quote(path.strip('/'))}"
        if ref:
            url += f"?ref={_q(ref)}"
        resp = self.transport.get(url)
        if resp.status == 404:
            return None
        if resp.status != 200:
            raise_for(resp, url)
        if not isinstance(resp.data, dict) or resp.data.get("type") != "file":
            return None  # a directory or a submodule has no text
        try:
            return base64.b64decode(resp.data.get("content", "")).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            return None

    def get_branch_protection(self, repo_full_name: str, branch: str) -> dict[str, Any] | None:
        """Classic branch protection JSON, or None when the branch is not protected (or does not exist).

        "Not protected" is a 404, which carries no ETag and so would cost a request on every scan. The verdict is
        remembered with the ETag of `GET …/branches/{branch}` (whose body holds `protected` and the head commit):
        while that answers 304, nothing about the branch changed and the verdict stands, for free.
        """
        url = f"{_repo_path(repo_full_name)}/branches/{_q(branch)}/protection"
        branch_url = f"{_repo_path(repo_full_name)}/branches/{_q(branch)}"
        remembered = self.transport.cache.get(url) if self.transport.cache else None
        if remembered is not None and remembered.etag.startswith(_NOT_PROTECTED):
            anchor = self.transport.get(branch_url)
            if anchor.status == 404:
                return None
            if anchor.status == 200 and anchor.headers.get("etag") == remembered.etag[len(_NOT_PROTECTED):]:
                return None
            cache = self.transport.cache
            if anchor.status == 200 and anchor.data.get("protected") is False and anchor.headers.get("etag") \
                    and cache is not None:
                cache.put(url, _NOT_PROTECTED + anchor.headers["etag"], "null", None)
                return None
        resp = self.transport.get(url)
        if resp.status == 404:
            self._remember_unprotected(url, branch_url)
            return None
        if resp.status != 200:
            raise_for(resp, url)
        return resp.data

    def _remember_unprotected(self, url: str, branch_url: str) -> None:
        if self.transport.cache is None:
            return
        anchor = self.transport.get(branch_url)
        # Only a branch that itself says "not protected" anchors the verdict (a concurrent change could otherwise
        # pin a stale answer to a fresh ETag).
        if anchor.status == 200 and anchor.data.get("protected") is False and anchor.headers.get("etag"):
            self.transport.cache.put(url, _NOT_PROTECTED + anchor.headers["etag"], "null", None)

    def list_org_rulesets(self, org: str) -> list[dict[str, Any]]:
        """Every organization ruleset in full (conditions and rules): the list holds summaries only."""
        summaries = self.transport.get_paged(f"/orgs/{_q(org)}/rulesets?per_page={self.per_page}")
        out = []
        for summary in summaries:
            url = f"/orgs/{_q(org)}/rulesets/{int(summary['id'])}"
            resp = self.transport.get(url)
            if resp.status == 404:
                continue  # deleted between the two requests
            if resp.status != 200:
                raise_for(resp, url)
            out.append(resp.data)
        return out

    def get_branch_rules(self, repo_full_name: str, branch: str) -> list[dict[str, Any]]:
        """Active ruleset rules for the branch (repository and organization rulesets)."""
        return self.transport.get_paged(f"{_repo_path(repo_full_name)}/rules/branches/{_q(branch)}"
                                        f"?per_page={self.per_page}")

    def vulnerability_alerts_enabled(self, repo_full_name: str) -> bool | None:
        """True/False from GitHub's 204/404; None when the token may not read the setting (403)."""
        url = f"{_repo_path(repo_full_name)}/vulnerability-alerts"
        resp = self.transport.get(url, conditional=False)
        if resp.status == 204:
            return True
        if resp.status == 404:
            return False
        if resp.status == 403:
            return None
        raise_for(resp, url)
        return None  # pragma: no cover

    def dependabot_alerts_enabled(self, repo_full_name: str) -> bool | None:
        """Whether Dependabot alerts are on, from the alerts list: 200 (+ ETag, so an unchanged repository answers
        304 for free) = on, 403 "…alerts are disabled…" = off. None when the list cannot tell (token without the
        Dependabot alerts permission, archived repository): ask `vulnerability_alerts_enabled` instead."""
        url = f"{_repo_path(repo_full_name)}/dependabot/alerts?per_page=1"
        resp = self.transport.get(url)
        if resp.status == 200:
            return True
        if resp.status == 403:
            message = str((resp.data or {}).get("message", "") if isinstance(resp.data, dict) else "").lower()
            return False if "alerts are disabled" in message else None
        if resp.status == 404:
            return None
        raise_for(resp, url)
        return None  # pragma: no cover

    def repo_outside_admins(self, repo_full_name: str) -> list[str]:
        people = self.transport.get_paged(f"{_repo_path(repo_full_name)}/collaborators?affiliation=outside"
                                          f"&permission=admin&per_page={self.per_page}")
        return [p["login"] for p in people]

    def archive_repository(self, repo_full_name: str) -> dict[str, Any]:
        """Archive; archiving an already archived repository is a success (GitHub answers 403 read-only)."""
        url = _repo_path(repo_full_name)
        resp = self.transport.write("PATCH", url, {"archived": True})
        if resp.status == 403 and "archived" in str((resp.data or {}).get("message", "")).lower():
            return self.get_repository(repo_full_name)
        if resp.status != 200:
            raise_for(resp, url, "PATCH")
        return resp.data

    # -- issues ------------------------------------------------------------------------------------------------
    def find_issues(self, repo_full_name: str, label: str, state: str = "all") -> list[dict[str, Any]]:
        """Issues (not pull requests) carrying `label`: number, state, state_reason, title, body, html_url, labels."""
        items = self.transport.get_paged(f"{_repo_path(repo_full_name)}/issues?state={_q(state)}"
                                         f"&labels={_q(label)}&per_page={self.per_page}")
        return [_issue(i) for i in items if "pull_request" not in i]

    def get_issue(self, repo_full_name: str, number: int) -> dict[str, Any] | None:
        url = f"{_repo_path(repo_full_name)}/issues/{int(number)}"
        resp = self.transport.get(url)
        if resp.status == 404:
            return None
        if resp.status != 200:
            raise_for(resp, url)
        return _issue(resp.data)

    def create_issue(self, repo_full_name: str, title: str, body: str, labels: list[str] | None = None
                     ) -> dict[str, Any]:
        url = f"{_repo_path(repo_full_name)}/issues"
        resp = self.transport.write("POST", url, {"title": title, "body": body, "labels": list(labels or [])})
        if resp.status != 201:
            raise_for(resp, url, "POST")
        return _issue(resp.data)

    def update_issue(self, repo_full_name: str, number: int, *, state: str | None = None,
                     state_reason: str | None = None, title: str | None = None, body: str | None = None,
                     labels: list[str] | None = None) -> dict[str, Any]:
        changes: dict[str, Any] = {k: v for k, v in {"state": state, "state_reason": state_reason, "title": title,
                                                     "body": body, "labels": labels}.items() if v is not None}
        url = f"{_repo_path(repo_full_name)}/issues/{int(number)}"
        resp = self.transport.write("PATCH", url, changes)
        if resp.status != 200:
            raise_for(resp, url, "PATCH")
        return _issue(resp.data)

    def add_comment(self, repo_full_name: str, number: int, body: str) -> dict[str, Any]:
        url = f"{_repo_path(repo_full_name)}/issues/{int(number)}/comments"
        resp = self.transport.write("POST", url, {"body": body})
        if resp.status != 201:
            raise_for(resp, url, "POST")
        return {"id": resp.data["id"], "html_url": resp.data.get("html_url", "")}

    def ensure_label(self, repo_full_name: str, name: str, color: str = "d73a4a",
                     description: str | None = None) -> dict[str, Any]:
        """Idempotent: an existing label (even one created concurrently) is left as it is."""
        url = f"{_repo_path(repo_full_name)}/labels/{_q(name)}"
        resp = self.transport.get(url)
        if resp.status == 200:
            return resp.data
        if resp.status != 404:
            raise_for(resp, url)
        create_url = f"{_repo_path(repo_full_name)}/labels"
        payload = {"name": name, "color": color.lstrip("#"), **({"description": description} if description else {})}
        created = self.transport.write("POST", create_url, payload)
        if created.status == 201:
            return created.data
        if created.status == 422 and "already_exists" in str(created.data):
            return self.transport.get(url, conditional=False).data
        raise_for(created, create_url, "POST")
        return {}  # pragma: no cover

    # -- budget ------------------------------------------------------------------------------------------------
    def rate_limit(self) -> RateLimitInfo:
        """The figures of the last response; asks `/rate_limit` (free) when nothing was sent yet."""
        info = self.transport.rate_limit
        if info.remaining is None:
            resp = self.transport.get("/rate_limit", conditional=False)
            if resp.status != 200:
                raise_for(resp, "/rate_limit")
            info = self.transport.rate_limit
        return info


def build_github(base_url: str, *, token: str | None = None,
                 app: tuple[str, str, str] | None = None, timeout: int = 30) -> Github:
    """PyGithub client with retries and pacing off: the gateway owns both policies."""
    if app:
        app_id, private_key, installation_id = app
        auth: Auth.Auth = Auth.AppAuth(app_id, private_key.replace("\\n", "\n")).get_installation_auth(
            int(installation_id))
    elif token:
        auth = Auth.Token(token)
    else:
        raise GitHubAuthError("no GitHub credentials: set GITHUB_TOKEN, or GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY "
                              "and GITHUB_APP_INSTALLATION_ID")
    return Github(base_url=base_url.rstrip("/"), auth=auth, retry=None, timeout=timeout, per_page=100,
                  seconds_between_requests=None, seconds_between_writes=None)


def gateway_from_settings(options: GatewayOptions | None = None, use_cache: bool = True) -> GitHubGateway:
    """The gateway for the configured GitHub (settings read now), with the ETag cache in the app database."""
    from shared import settings
    from shared.storage.db import get_database

    base_url = settings.github_base_url()
    github = build_github(base_url, token=settings.github_token() or None, app=settings.github_app_credentials())
    cache = EtagCache(get_database(), namespace=base_url) if use_cache else None
    if options is None:
        options = GatewayOptions(write_interval_seconds=settings.github_write_interval_seconds())
    return GitHubGateway(github, cache, options)
