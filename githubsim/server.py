"""The HTTP server: GitHub's REST paths, status codes and headers on top of the simulated state.

Order of concerns per request mirrors GitHub's: injected latency, injected faults, authentication, routing,
primary rate limit, secondary (write burst) limit, the handler, then conditional-request handling (a matching
`If-None-Match` answers 304 and costs nothing). `/_sim/*` is the admin API tests use to inspect and steer it.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from githubsim import admin, api_issues, api_meta, api_repos, render, webhooks
from githubsim.auth import AuthFailure, authenticate
from githubsim.limits import (
    PRIMARY_DOC,
    PRIMARY_MESSAGE,
    SECONDARY_DOC,
    SECONDARY_MESSAGE,
    Faults,
    RateLimiter,
    RequestLog,
    SecondaryLimiter,
)
from githubsim.model import Repo, SimState, stable_id
from githubsim.render import error
from githubsim.routing import ApiError, Call, Reply, Route, match
from githubsim.webhooks import WebhookSender

ROUTES: list[Route] = api_repos.ROUTES + api_issues.ROUTES + api_meta.ROUTES
WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}


def weak_etag(body: bytes) -> str:
    return f'W/"{hashlib.sha256(body).hexdigest()[:40]}"'


def etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    bare = etag.removeprefix("W/")
    return any(tag.strip() == "*" or tag.strip().removeprefix("W/") == bare for tag in header.split(","))


class Simulator:
    """State plus the knobs (limits, faults, latency) and the log; one per server."""

    def __init__(self, seed: dict[str, Any], latency_ms: float = 0.0) -> None:
        self.state = SimState(seed)
        limits = seed.get("rate_limit", {})
        self.limiter = RateLimiter(int(limits.get("limit", 5000)), int(limits.get("window_seconds", 3600)))
        secondary = seed.get("secondary_limit", {})
        self.secondary = SecondaryLimiter(int(secondary.get("max_writes", 0)),
                                          float(secondary.get("window_seconds", 60)),
                                          int(secondary.get("retry_after", 60)))
        self.state.rate_limiter = self.limiter  # type: ignore[attr-defined]
        self.faults = Faults()
        self.log = RequestLog()
        self.latency_ms = latency_ms
        self.webhooks = WebhookSender()
        self.webhooks.configure(seed.get("webhook"))
        self.api_root = "http://127.0.0.1"  # set to the listening address by the server; payload URLs use it

    # -- webhooks ----------------------------------------------------------------------------------------------
    def repo_snapshot(self, name: str) -> dict[str, Any] | None:
        with self.state.lock:
            repo = self.state.repos.get(name.lower())
            return None if repo is None else dataclasses.asdict(repo)

    def notify(self, name: str, before: dict[str, Any] | None) -> None:
        """Send the webhooks GitHub would send for the change of repository `name` since `before`."""
        if not self.webhooks.enabled:
            return
        after = self.repo_snapshot(name)
        events = webhooks.change_events(before, after)
        if not events:
            return
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with self.state.lock:
            repo = self.state.repos.get(name.lower())
            if repo is None:  # deleted: the last known shape
                repo = Repo(**{k: v for k, v in (before or {}).items() if k not in {"issues", "labels"}})
            rest_repo = render.repository(self.state, self.api_root, repo, full=True)
            rest_org = render.organization(self.state, self.api_root)
            sender = render.user(self.api_root, self.state.html_base, "octocat", 583231)
        for event, action, detail in events:
            if event == "push":
                added, modified, removed = detail
                before_sha = hashlib.sha1(json.dumps((before or {}).get("files"), sort_keys=True).encode()).hexdigest()
                after_sha = hashlib.sha1(json.dumps((after or {}).get("files"), sort_keys=True).encode()).hexdigest()
                payload = webhooks.push(rest_repo, rest_org, sender, repo.default_branch, before_sha, after_sha,
                                        added, modified, removed, now)
            elif event == "branch_protection_rule":
                branch, protection = detail
                payload = webhooks.envelope(action, rest_repo, rest_org, sender,
                                            rule=webhooks.protection_rule(repo.id, branch, protection, now))
            elif event == "repository_ruleset":
                payload = webhooks.envelope(action, rest_repo, rest_org, sender, repository_ruleset=webhooks.ruleset(
                    detail, "Repository", f"{self.state.org_login}/{repo.name}", self.api_root,
                    self.state.html_base, now))
            elif event == "member":
                was, then = detail
                login = str((then or was or {})["login"])
                person = render.user(self.api_root, self.state.html_base, login, stable_id("user", login))
                payload = webhooks.member(str(action), was, then, person, rest_repo, rest_org, sender)
            elif action == "edited":
                payload = webhooks.envelope(action, rest_repo, rest_org, sender, changes={
                    k: v for k, v in detail.items() if k in ("description", "homepage", "topics", "default_branch")})
            else:
                payload = webhooks.envelope(action, rest_repo, rest_org, sender)
            self.webhooks.emit(event, payload)

    def notify_org_rulesets(self, before: list[dict[str, Any]], after: list[dict[str, Any]]) -> None:
        """`repository_ruleset` events for organization rulesets created, edited or deleted (no repository: the
        receiver re-evaluates the repositories the ruleset can target)."""
        if not self.webhooks.enabled:
            return
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        old, new = {rs["id"]: rs for rs in before}, {rs["id"]: rs for rs in after}
        with self.state.lock:
            rest_org = render.organization(self.state, self.api_root)
            sender = render.user(self.api_root, self.state.html_base, "octocat", 583231)
        for ident in sorted(set(old) | set(new)):
            action = "created" if ident not in old else "deleted" if ident not in new else \
                "edited" if old[ident] != new[ident] else None
            if action is None:
                continue
            rs = webhooks.ruleset(new.get(ident) or old[ident], "Organization", self.state.org_login, self.api_root,
                                  self.state.html_base, now)
            event: dict[str, Any] = {"action": action, "repository_ruleset": rs}
            if action == "edited":
                event["changes"] = webhooks.ruleset_changes(old[ident], new[ident])
            self.webhooks.emit("repository_ruleset", {**event, "organization": webhooks.webhook_org(rest_org),
                                                      "sender": webhooks.webhook_user(sender)})

    def reset(self) -> None:
        self.state.reset()
        self.state.rate_limiter = self.limiter  # type: ignore[attr-defined]
        self.limiter.set(remaining=self.limiter.limit, reset=int(time.time()) + self.limiter.window)
        self.secondary.configure(self.secondary.max_writes, self.secondary.window, self.secondary.retry_after)
        self.faults.clear()
        self.log.clear()

    # -- the GitHub side ---------------------------------------------------------------------------------------
    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes,
               api_root: str) -> tuple[int, dict[str, str], bytes]:
        started = time.perf_counter()
        parsed = urllib.parse.urlsplit(raw_path)
        path = parsed.path.rstrip("/") if parsed.path not in {"/", ""} else "/"
        if parsed.path.endswith("/contents/"):
            path = parsed.path
        template: str | None = None
        counted = False
        status, out_headers, payload = 500, {}, b""
        try:
            if self.latency_ms:
                time.sleep(self.latency_ms / 1000)
            r, params, _ = match(ROUTES, method, path)
            template = r.template if r else None
            status, out_headers, payload, counted = self._serve(method, path, parsed.query, r, params, headers,
                                                                body, api_root)
        except Exception as exc:  # pragma: no cover - a bug in the sim must still answer
            status, out_headers, payload = 500, {}, json.dumps(error(f"simulator error: {exc}", 500)).encode()
        out_headers.update(self._rate_headers())
        out_headers.setdefault("x-github-request-id", uuid.uuid4().hex[:16].upper())
        out_headers["x-github-api-version-selected"] = "2022-11-28"
        self.log.record(method, path, template, status, counted, (time.perf_counter() - started) * 1000)
        return status, out_headers, payload

    def _rate_headers(self) -> dict[str, str]:
        snap = self.limiter.snapshot()
        return {"x-ratelimit-limit": str(snap["limit"]), "x-ratelimit-remaining": str(snap["remaining"]),
                "x-ratelimit-used": str(snap["used"]), "x-ratelimit-reset": str(snap["reset"]),
                "x-ratelimit-resource": "core"}

    def _serve(self, method: str, path: str, query_string: str, r: Route | None, params: dict[str, str],
               headers: dict[str, str], body: bytes, api_root: str) -> tuple[int, dict[str, str], bytes, bool]:
        fault = self.faults.take(method, path)
        if fault is not None:
            if fault.delay_ms:
                time.sleep(fault.delay_ms / 1000)
            extra: dict[str, str] = {}
            message = fault.message
            if fault.status == 403 and fault.retry_after is not None:
                extra["Retry-After"] = str(fault.retry_after)
                message = message or SECONDARY_MESSAGE.format(rid=uuid.uuid4().hex[:8].upper())
            elif fault.status == 401:
                message = message or "Bad credentials"
            elif fault.status >= 500:
                message = message or "Server Error"
            doc = SECONDARY_DOC if "secondary" in (message or "") else "https://docs.github.com/rest"
            return fault.status, extra, _json(error(message or "Injected fault", fault.status, doc)), False
        try:
            principal = authenticate(self.state, headers.get("authorization"))
        except AuthFailure as exc:
            return 401, {}, _json(error(exc.message, 401)), False
        if r is None:
            return 404, {}, _json(error("Not Found", 404)), principal is not None
        if principal is None:
            return 401, {}, _json(error("Requires authentication", 401)), False
        if (r.auth == "app") != (principal.kind == "app"):
            message = "A JSON web token could not be decoded" if r.auth == "app" else "Bad credentials"
            return 401, {}, _json(error(message, 401)), False
        counted = r.counted
        if counted and self.limiter.exhausted():
            uid = self.state.user(principal.login)["id"]
            message = PRIMARY_MESSAGE.format(uid=uid, rid=uuid.uuid4().hex[:8].upper(),
                                             ts=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()))
            return 403, {}, _json(error(message, 403, PRIMARY_DOC)), False
        if method in WRITE_METHODS and r.auth == "token" and not self.secondary.allow_write():
            message = SECONDARY_MESSAGE.format(rid=uuid.uuid4().hex[:8].upper())
            return 403, {"Retry-After": str(self.secondary.retry_after)}, _json(error(message, 403, SECONDARY_DOC)), \
                False
        try:
            data = json.loads(body) if body else None
        except json.JSONDecodeError:
            if counted:
                self.limiter.consume()
            return 400, {}, _json(error("Problems parsing JSON", 400)), counted
        query = {k: v for k, v in urllib.parse.parse_qsl(query_string, keep_blank_values=True)}
        call = Call(self.state, method, path, params, query, data, api_root, principal, query_string)
        watched = params.get("repo") if method in WRITE_METHODS and self.webhooks.enabled and "repo" in params \
            else None
        before = self.repo_snapshot(watched) if watched else None
        try:
            reply = r.handler(call)
        except ApiError as exc:
            reply = Reply(exc.status, _error_body(exc), dict(exc.headers))
        if watched and before is not None and reply.status < 300:
            self.notify(watched, before)
        payload = b"" if reply.body is None else _json(reply.body)
        if method == "GET" and reply.status == 200:
            etag = weak_etag(payload)
            reply.headers["ETag"] = etag
            if etag_matches(headers.get("if-none-match"), etag):
                return 304, {"ETag": etag, **{k: v for k, v in reply.headers.items() if k == "Link"}}, b"", False
        if counted:
            self.limiter.consume()
        return reply.status, reply.headers, payload, counted


def _error_body(exc: ApiError) -> dict[str, Any]:
    body = error(exc.message, exc.status, exc.doc)
    if exc.errors is not None:
        body["errors"] = exc.errors
    return body


def _json(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes; with Nagle on, the body waits for the client's delayed ACK (~40 ms on
    # Linux), which would add a stall per request that GitHub does not have.
    disable_nagle_algorithm = True
    server: "SimHTTPServer"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
        api_root = f"http://{host}"
        headers = {k.lower(): v for k, v in self.headers.items()}
        sim = self.server.sim
        if self.path.startswith("/_sim/"):
            status, out_headers, payload = admin.handle(sim, self.command, self.path, body)
        else:
            status, out_headers, payload = sim.handle(self.command, self.path, headers, body, api_root)
        self.send_response(status)
        if payload or status not in (204, 304):
            out_headers.setdefault("Content-Type", "application/json; charset=utf-8")
        for k, v in out_headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _dispatch


class SimHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], sim: Simulator) -> None:
        super().__init__(address, _Handler)
        self.sim = sim


class RunningServer:
    """A server on a background thread (tests and benchmarks start it in-process)."""

    def __init__(self, seed: dict[str, Any], host: str = "127.0.0.1", port: int = 0, latency_ms: float = 0) -> None:
        self.sim = Simulator(seed, latency_ms)
        self.httpd = SimHTTPServer((host, port), self.sim)
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://{host}:{self.port}"
        self.sim.api_root = self.base_url
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       name="githubsim", daemon=True)

    def start(self) -> "RunningServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.sim.webhooks.stop()
        self.httpd.shutdown()
        self.httpd.server_close()
