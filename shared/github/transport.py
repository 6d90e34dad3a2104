"""One request through PyGithub's Requester, with the gateway's policy around it.

PyGithub does the HTTP (auth incl. installation-token refresh, base URL, user agent); this module adds what a
long scan needs: conditional GETs backed by the database, bounded retries for 5xx blips, obeying short
`Retry-After`s, typed errors for everything else, serial paced writes, and the last `x-ratelimit-*` figures.
"""
from __future__ import annotations

import json
import logging
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import requests
from github import Github, GithubException
from github.Requester import Requester

from shared.github.errors import (
    GitHubAuthError,
    GitHubError,
    GitHubForbidden,
    GitHubIssuesDisabled,
    GitHubNotFound,
    GitHubRateLimited,
    GitHubUnavailable,
    GitHubValidationFailed,
)
from shared.github.etag_cache import EtagCache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RateLimitInfo:
    remaining: int | None
    limit: int | None
    reset_at: datetime | None


@dataclass(frozen=True)
class GatewayOptions:
    write_interval_seconds: float = 1.0  # GitHub asks integrations to pace content-creating requests
    max_retries: int = 2  # extra attempts for 5xx / connection errors
    retry_backoff_seconds: float = 0.5  # doubled per attempt
    max_inline_wait_seconds: float = 10.0  # a longer Retry-After is the orchestrator's (durable timer) job
    per_page: int = 100


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    data: Any
    from_cache: bool = False

    @property
    def link(self) -> str | None:
        return self.headers.get("link")


@dataclass
class TransportStats:
    requests: int = 0
    not_modified: int = 0
    retries: int = 0
    by_status: dict[int, int] = field(default_factory=dict)


@dataclass
class _Pacer:
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_write: float = 0.0


_pacers: dict[str, _Pacer] = {}
_pacers_lock = threading.Lock()


def _pacer_for(base_url: str) -> _Pacer:
    with _pacers_lock:
        return _pacers.setdefault(base_url.rstrip("/"), _Pacer())


class Transport:
    def __init__(self, github: Github, cache: EtagCache | None, options: GatewayOptions) -> None:
        self.github = github
        self.requester: Requester = github.requester
        self.base_path = urllib.parse.urlsplit(self.requester.base_url).path.rstrip("/")
        self.cache = cache
        self.options = options
        self.stats = TransportStats()
        self._rate = RateLimitInfo(None, None, None)
        self._pacer = _pacer_for(self.requester.base_url)

    @property
    def rate_limit(self) -> RateLimitInfo:
        return self._rate

    # -- public ------------------------------------------------------------------------------------------------
    def get(self, url: str, *, conditional: bool = True) -> Response:
        """GET `url` (relative, query included, or an absolute `Link` URL); 304 answers come from the cache."""
        url = self._relative(url)
        cached = self.cache.get(url) if (conditional and self.cache) else None
        headers = {"If-None-Match": cached.etag} if cached else {}
        resp = self._send("GET", url, headers, None)
        if resp.status == 304 and cached is not None:
            self.stats.not_modified += 1
            link = {"link": cached.link} if cached.link else {}
            return Response(200, {**resp.headers, **link}, json.loads(cached.body), from_cache=True)
        if resp.status == 200 and self.cache is not None and conditional and resp.headers.get("etag"):
            self.cache.put(url, resp.headers["etag"], json.dumps(resp.data), resp.link)
        return resp

    def get_paged(self, url: str) -> list[Any]:
        items: list[Any] = []
        next_url: str | None = url
        while next_url:
            resp = self.get(next_url)
            if resp.status != 200:
                raise_for(resp, next_url)
            items.extend(resp.data or [])
            next_url = _next_link(resp.link)
        return items

    def write(self, verb: str, url: str, body: dict[str, Any]) -> Response:
        """Writes go one at a time, at least `write_interval_seconds` apart (GitHub's guidance against secondary
        limits: content-creating requests serially, a second apart), across every gateway of this process that
        talks to the same GitHub, so concurrent act runs share the pace instead of multiplying it; they are not
        retried on 5xx because a create may have happened."""
        with self._pacer.lock:
            wait = self._pacer.last_write + self.options.write_interval_seconds - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                return self._send(verb, self._relative(url), {}, body, retry_5xx=False)
            finally:
                self._pacer.last_write = time.monotonic()

    # -- internals ---------------------------------------------------------------------------------------------
    def _relative(self, url: str) -> str:
        if url.startswith("/"):
            return url
        parts = urllib.parse.urlsplit(url)
        path = parts.path[len(self.base_path):] if self.base_path and parts.path.startswith(self.base_path) \
            else parts.path
        return path + (f"?{parts.query}" if parts.query else "")

    def _send(self, verb: str, url: str, headers: dict[str, str], body: Any, retry_5xx: bool = True) -> Response:
        attempt = 0
        waited_secondary = False
        while True:
            try:
                status, resp_headers, text = self.requester.requestJson(verb, url, None, dict(headers), body)
            except GithubException as exc:  # raised while PyGithub fetched an installation token
                raise _from_pygithub(exc, url) from None
            except (requests.RequestException, OSError) as exc:
                if retry_5xx and attempt < self.options.max_retries:
                    attempt += 1
                    self._backoff(attempt)
                    continue
                raise GitHubUnavailable(f"GitHub did not answer {verb} {_path(url)}: {type(exc).__name__}") from None
            self.stats.requests += 1
            self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1
            resp_headers = {k.lower(): v for k, v in resp_headers.items()}
            self._track(resp_headers)
            data = _parse(text)
            resp = Response(status, resp_headers, data)
            if status >= 500:
                if retry_5xx and attempt < self.options.max_retries:
                    attempt += 1
                    self._backoff(attempt)
                    continue
                raise GitHubUnavailable(f"GitHub answered {status} to {verb} {_path(url)}", status)
            limited = rate_limited(resp, f"{verb} {_path(url)}")
            if limited is not None:
                if (limited.secondary and not waited_secondary and limited.retry_after is not None
                        and limited.retry_after <= self.options.max_inline_wait_seconds):
                    waited_secondary = True
                    log.info("GitHub secondary rate limit on %s %s; waiting %ss", verb, _path(url),
                             limited.retry_after)
                    time.sleep(limited.retry_after)
                    continue
                raise limited
            return resp

    def _backoff(self, attempt: int) -> None:
        self.stats.retries += 1
        time.sleep(self.options.retry_backoff_seconds * (2 ** (attempt - 1)))

    def _track(self, headers: dict[str, str]) -> None:
        try:
            remaining = int(headers["x-ratelimit-remaining"])
            limit = int(headers["x-ratelimit-limit"])
            reset = datetime.fromtimestamp(int(headers["x-ratelimit-reset"]), timezone.utc)
        except (KeyError, ValueError):
            return
        self._rate = RateLimitInfo(remaining, limit, reset)


def _parse(text: str) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _path(url: str) -> str:
    return url.split("?", 1)[0]


def _next_link(link: str | None) -> str | None:
    for part in (link or "").split(","):
        section = part.split(";")
        if len(section) >= 2 and 'rel="next"' in section[1]:
            return section[0].strip().strip("<>")
    return None


def _message(data: Any) -> str:
    return str(data.get("message", "")) if isinstance(data, dict) else ""


def rate_limited(resp: Response, what: str) -> GitHubRateLimited | None:
    """GitHub's rate-limit answers: 403/429 with remaining 0 (primary), or a Retry-After / secondary message."""
    if resp.status not in (403, 429):
        return None
    message = _message(resp.data)
    retry_after_raw = resp.headers.get("retry-after")
    secondary = retry_after_raw is not None or Requester.isSecondaryRateLimitError(message)
    primary = resp.headers.get("x-ratelimit-remaining") == "0" or Requester.isPrimaryRateLimitError(message)
    if not (secondary or primary):
        return None
    now = datetime.now(timezone.utc)
    if secondary:
        retry_after = float(retry_after_raw) if retry_after_raw and retry_after_raw.isdigit() else 60.0
        return GitHubRateLimited(f"GitHub secondary rate limit on {what}; retry after {retry_after:g}s",
                                 resp.status, now + timedelta(seconds=retry_after), retry_after, True)
    try:
        reset_at = datetime.fromtimestamp(int(resp.headers["x-ratelimit-reset"]), timezone.utc)
    except (KeyError, ValueError):
        reset_at = now + timedelta(minutes=1)
    return GitHubRateLimited(f"GitHub rate limit exhausted on {what}; resets at {reset_at.isoformat()}",
                             resp.status, reset_at, max(0.0, (reset_at - now).total_seconds()), False)


def raise_for(resp: Response, url: str, verb: str = "GET") -> None:
    """Turn a non-success answer into the typed error (rate limits were handled before)."""
    what = f"{verb} {_path(url)}"
    message = _message(resp.data) or f"HTTP {resp.status}"
    status = resp.status
    if status == 401:
        raise GitHubAuthError(f"GitHub rejected the credentials ({message}) on {what}", status)
    if status == 403:
        raise GitHubForbidden(f"GitHub refused {what}: {message}", status)
    if status == 404:
        raise GitHubNotFound(f"GitHub has no {_path(url)} (404)", status)
    if status == 410:
        raise GitHubIssuesDisabled(f"{message} ({what})", status)
    if status == 422:
        errors = resp.data.get("errors", "") if isinstance(resp.data, dict) else ""
        raise GitHubValidationFailed(f"GitHub refused {what}: {message} {errors}".strip(), status)
    raise GitHubError(f"GitHub answered {status} to {what}: {message}", status)


def _from_pygithub(exc: GithubException, url: str) -> GitHubError:
    """Errors PyGithub raised itself (fetching an installation token); the token is never in them."""
    data = exc.data if isinstance(exc.data, dict) else {}
    resp = Response(exc.status, {k.lower(): v for k, v in (exc.headers or {}).items()}, data)
    if exc.status >= 500:
        return GitHubUnavailable(f"GitHub answered {exc.status} while issuing an installation token", exc.status)
    limited = rate_limited(resp, "installation token")
    if limited is not None:
        return limited
    if exc.status == 401 or exc.status == 404:
        return GitHubAuthError(f"GitHub refused the app credentials ({_message(data) or exc.status}) "
                               f"while issuing an installation token", exc.status)
    try:
        raise_for(resp, url)
    except GitHubError as err:
        return err
    return GitHubError(f"GitHub answered {exc.status}", exc.status)  # pragma: no cover
