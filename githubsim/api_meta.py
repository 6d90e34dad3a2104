"""`/rate_limit`, `/user` and the GitHub App endpoints (`/app`, installation access tokens)."""
from __future__ import annotations

from datetime import datetime, timezone

from githubsim import render
from githubsim.auth import issue_installation_token
from githubsim.routing import ApiError, Call, Reply, Route, route


def get_rate_limit(call: Call) -> Reply:
    limiter = call.state.rate_limiter  # type: ignore[attr-defined]
    core = limiter.snapshot()
    other = {"limit": 30, "remaining": 30, "used": 0, "reset": core["reset"]}
    return Reply(200, {"resources": {"core": core, "search": other, "graphql": dict(core)}, "rate": core})


def get_user(call: Call) -> Reply:
    assert call.principal is not None
    if call.principal.kind != "user":
        raise ApiError(403, "Resource not accessible by integration")
    with call.state.lock:
        return Reply(200, render.private_user(call.state, call.api, call.principal.login))


def get_app(call: Call) -> Reply:
    assert call.state.app is not None
    with call.state.lock:
        return Reply(200, render.integration(call.state, call.api, call.state.app))


def create_installation_token(call: Call) -> Reply:
    app = call.state.app
    assert app is not None
    try:
        installation_id = int(call.params["installation_id"])
    except ValueError:
        raise ApiError(404, "Not Found") from None
    if installation_id not in app.installations:
        raise ApiError(404, "Not Found")
    token, expires = issue_installation_token(call.state, installation_id)
    return Reply(201, {
        "token": token,
        "expires_at": datetime.fromtimestamp(expires, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "permissions": {"administration": "write", "contents": "read", "issues": "write", "metadata": "read"},
        "repository_selection": "all",
    })


ROUTES: list[Route] = [
    route("GET", "/rate_limit", get_rate_limit, counted=False),
    route("GET", "/user", get_user),
    route("GET", "/app", get_app, counted=False, auth="app"),
    route("POST", "/app/installations/{installation_id}/access_tokens", create_installation_token,
          counted=False, auth="app"),
]
