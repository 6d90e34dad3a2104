"""The Policy Enforcer's view of GitHub over `shared.github.GitHubGateway`: typed errors translated, requests
cached per repository, and a rate-limit reserve.

* Errors become `shared.policies.errors` types, so the evaluator and dispatcher never see transport classes.
* `RepoReader` implements every check Protocol for one repository; each request is made at most once per
  repository however many policies need it (the file checks share one tree listing).
* The budget is guarded: once `x-ratelimit-remaining` falls to the reserve, the next call raises `RateLimited`
  with the reset time *before* spending the rest, so the orchestrator waits on a durable timer instead of failing.
* Listing is page by page (each page conditional, so an unchanged organization re-lists for free).
"""
from __future__ import annotations

import threading
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

from shared import settings
from shared.github import (
    GitHubAuthError,
    GitHubError,
    GitHubForbidden,
    GitHubGateway,
    GitHubIssuesDisabled,
    GitHubNotFound,
    GitHubRateLimited,
    GitHubUnavailable,
    gateway_from_settings,
)
from shared.github.transport import raise_for
from shared.policies.errors import AuthFailed, Forbidden, IssuesDisabled, NotFound, RateLimited, Unavailable
from shared.policies.org_rulesets import rules_covering
from shared.policies.repo import RepoSnapshot
from shared.policies.tracker import Issue, WriteError

T = TypeVar("T")
_ORG_CACHE_SECONDS = 300  # only for the alerts-permission probe below; organization reads are per scan
_ORG_SCOPES_KEPT = 16
# Organization-level reads (rulesets, outside collaborators) cached per scan: every chunk of one scan judges with
# the same rules and pays one request, while the next scan reads fresh (a "Scan now" just after a ruleset change
# must see it). Keyed (scope, org); a session without a scope reads every time.
_org_outside: "OrderedDict[tuple[str, str], frozenset[str]]" = OrderedDict()
_org_rulesets: "OrderedDict[tuple[str, str], tuple[dict[str, Any], ...]]" = OrderedDict()
_org_lock = threading.RLock()
_alerts_list_denied_until = [0.0]


def translate(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except GitHubRateLimited as exc:
        reset = exc.reset_at or datetime.now(timezone.utc) + timedelta(seconds=exc.retry_after or 60)
        raise RateLimited(reset.isoformat()) from None
    except GitHubAuthError:
        raise AuthFailed("GitHub rejected the credentials (401)") from None
    except GitHubUnavailable as exc:
        raise Unavailable(str(exc)) from None
    except GitHubIssuesDisabled as exc:
        raise IssuesDisabled(str(exc)) from None
    except GitHubNotFound as exc:
        raise NotFound(str(exc)) from None
    except GitHubForbidden as exc:
        raise Forbidden(str(exc)) from None
    except GitHubError as exc:
        if exc.status is not None and exc.status >= 500:
            raise Unavailable(str(exc)) from None
        raise WriteError(str(exc), exc.status) from None


class GitHubSession:
    def __init__(self, gateway: GitHubGateway | Callable[[], GitHubGateway], reserve: int | None = None,
                 scope: str = "") -> None:
        self.scope = scope  # the scan (or webhook evaluation) whose organization reads may be shared
        self._gateway = gateway if isinstance(gateway, GitHubGateway) else None
        self._factory = None if isinstance(gateway, GitHubGateway) else gateway
        self.reserve = settings.policy_rate_limit_reserve() if reserve is None else reserve
        # Process-wide for `_ORG_CACHE_SECONDS`: every chunk opens a session, and each would otherwise waste one
        # request finding out again that the token lacks the Dependabot alerts permission.
        self.alerts_list_unreadable = time.monotonic() < _alerts_list_denied_until[0]

    @property
    def gateway(self) -> GitHubGateway:
        """Built on first use, so missing credentials surface as `AuthFailed` where the caller handles it."""
        if self._gateway is None:
            try:
                self._gateway = self._factory()  # type: ignore[misc]  # callable attribute, not a method
            except GitHubAuthError:
                raise AuthFailed("no GitHub credentials configured") from None
        return self._gateway

    def call(self, fn: Callable[[], T]) -> T:
        info = self.gateway.transport.rate_limit
        if info.remaining is not None and info.remaining <= self.reserve and info.reset_at is not None \
                and info.reset_at > datetime.now(timezone.utc):
            raise RateLimited(info.reset_at.isoformat())
        return translate(fn)

    # -- organization ------------------------------------------------------------------------------------------
    def list_repositories_page(self, org: str, page: int, per_page: int) -> tuple[list[RepoSnapshot], bool]:
        url = f"/orgs/{urllib.parse.quote(org, safe='')}/repos?type=all&per_page={per_page}&page={page}"

        def fetch() -> Any:
            resp = self.gateway.transport.get(url)
            if resp.status != 200:
                raise_for(resp, url)
            return resp

        resp = self.call(fetch)
        repos = [RepoSnapshot.from_github(raw) for raw in resp.data or []]
        return repos, 'rel="next"' in (resp.link or "")

    def get_repository(self, org: str, name: str) -> RepoSnapshot | None:
        try:
            raw = self.call(lambda: self.gateway.get_repository(f"{org}/{name}"))
        except NotFound:
            return None
        return RepoSnapshot.from_github(raw)

    def read_org_file(self, org: str, repository: str, path: str) -> str | None:
        try:
            return self.call(lambda: self.gateway.get_file_text(f"{org}/{repository}", path))
        except NotFound:
            return None

    def org_outside_collaborators(self, org: str) -> frozenset[str]:
        # Held while fetching, so the chunks that start together wait for one request instead of all sending it.
        with _org_lock:
            key = (self.scope, org)
            if self.scope and key in _org_outside:
                return _org_outside[key]
            logins = frozenset(self.call(lambda: self.gateway.outside_collaborators(org)))
            if self.scope:
                _remember(_org_outside, key, logins)
            return logins

    def org_rulesets(self, org: str) -> tuple[dict[str, Any], ...]:
        """Organization rulesets in full, once per scan (conditional, so cheap anyway); a token that may not read
        them (403/404) just forgoes the shortcut."""
        with _org_lock:
            key = (self.scope, org)
            if self.scope and key in _org_rulesets:
                return _org_rulesets[key]
            try:
                rulesets = tuple(self.call(lambda: self.gateway.list_org_rulesets(org)))
            except (NotFound, Forbidden):
                rulesets = ()
            if self.scope:
                _remember(_org_rulesets, key, rulesets)
            return rulesets

    def repo_reader(self) -> "RepoReader":
        return RepoReader(self)

    def tracker(self) -> "GatewayTracker":
        return GatewayTracker(self)


class RepoReader:
    """Implements the check Protocols (`shared.policies.checks.ports`) for one repository, memoized."""

    def __init__(self, session: GitHubSession) -> None:
        self.session = session
        self._memo: dict[str, Any] = {}

    def _once(self, key: str, fn: Callable[[], T]) -> T:
        if key not in self._memo:
            self._memo[key] = self.session.call(fn)
        return self._memo[key]

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def file_paths(self, repo: RepoSnapshot) -> frozenset[str]:
        paths = self._once("tree", lambda: self.session.gateway.get_tree_paths(repo.full_name, repo.default_branch))
        return frozenset(paths or ())

    def org_rules(self, repo: RepoSnapshot) -> list[dict[str, Any]]:
        return rules_covering(self.session.org_rulesets(repo.owner), repo)

    def classic_protection(self, repo: RepoSnapshot) -> dict[str, Any] | None:
        return self._once("protection", lambda: self.session.gateway.get_branch_protection(
            repo.full_name, repo.default_branch))

    def branch_rules(self, repo: RepoSnapshot) -> list[dict[str, Any]]:
        return self._once("rules", lambda: self.session.gateway.get_branch_rules(repo.full_name, repo.default_branch))

    def vulnerability_alerts_enabled(self, repo: RepoSnapshot) -> bool:
        # The alerts list is conditional (304 on an unchanged re-scan); `vulnerability-alerts` answers 204/404
        # without an ETag, so it costs a request on every scan: it is only the fallback.
        if not self.session.alerts_list_unreadable:
            listed = self._once("alerts-list", lambda: self.session.gateway.dependabot_alerts_enabled(repo.full_name))
            if listed is not None:
                return listed
            if not repo.archived:  # the token lacks the permission: stop trying
                self.session.alerts_list_unreadable = True
                _alerts_list_denied_until[0] = time.monotonic() + _ORG_CACHE_SECONDS
        enabled = self._once("alerts", lambda: self.session.gateway.vulnerability_alerts_enabled(repo.full_name))
        if enabled is None:
            raise PermissionError("the token may not read the vulnerability alerts setting (403)")
        return bool(enabled)

    def outside_admins(self, repo: RepoSnapshot) -> list[str]:
        # One org-wide request tells whether any outside collaborator exists; only then is each repository asked.
        if not self.session.org_outside_collaborators(repo.owner):
            return []
        return list(self._once("outside", lambda: self.session.gateway.repo_outside_admins(repo.full_name)))


def _issue(raw: dict[str, Any]) -> Issue:
    return Issue(int(raw["number"]), raw["state"], raw.get("body") or "", raw.get("html_url") or "",
                 raw.get("title") or "")


class GatewayTracker:
    """`shared.policies.tracker.IssueTracker` over the gateway (which paces writes ≥ 1 s apart)."""

    def __init__(self, session: GitHubSession) -> None:
        self.session = session

    @property
    def gateway(self) -> GitHubGateway:
        return self.session.gateway

    def get_issue(self, repo: str, number: int) -> Issue | None:
        raw = self.session.call(lambda: self.gateway.get_issue(repo, number))
        return _issue(raw) if raw else None

    def find_issues(self, repo: str, label: str) -> list[Issue]:
        return [_issue(r) for r in self.session.call(lambda: self.gateway.find_issues(repo, label, "all"))]

    def ensure_label(self, repo: str, label: str) -> None:
        self.session.call(lambda: self.gateway.ensure_label(repo, label, "5319e7",
                                                            "Opened by the GitHub Policy Enforcer"))

    def create_issue(self, repo: str, title: str, body: str, labels: list[str]) -> Issue:
        return _issue(self.session.call(lambda: self.gateway.create_issue(repo, title, body, labels)))

    def update_issue(self, repo: str, number: int, *, state: str | None = None, body: str | None = None,
                     title: str | None = None) -> Issue:
        reason = "completed" if state == "closed" else ("reopened" if state == "open" else None)
        return _issue(self.session.call(lambda: self.gateway.update_issue(
            repo, number, state=state, state_reason=reason, body=body, title=title)))

    def add_comment(self, repo: str, number: int, body: str) -> None:
        self.session.call(lambda: self.gateway.add_comment(repo, number, body))

    def archive_repository(self, repo: str) -> None:
        self.session.call(lambda: self.gateway.archive_repository(repo))


def _remember(cache: "OrderedDict[tuple[str, str], Any]", key: tuple[str, str], value: Any) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > _ORG_SCOPES_KEPT:
        cache.popitem(last=False)


def open_session(scope: str = "") -> GitHubSession:
    """A session over a gateway built from the settings when first used (tests change settings between runs);
    `scope` (a scan id) is what organization-level reads may be shared within."""
    return GitHubSession(gateway_from_settings, scope=scope)
