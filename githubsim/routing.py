"""Request/response types, the error type and path-template routing shared by the endpoint modules."""
from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from githubsim.auth import Principal
from githubsim.model import Repo, SimState

# Parameters that may contain slashes (file paths, branch names, label names are single segments).
_GREEDY = {"path", "branch", "ref"}


class ApiError(Exception):
    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None,
                 errors: list[dict[str, Any]] | None = None, doc: str = "https://docs.github.com/rest") -> None:
        super().__init__(message)
        self.status, self.message, self.headers, self.errors, self.doc = status, message, headers or {}, errors, doc


@dataclass
class Call:
    state: SimState
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    api: str  # API root as the client addressed it, e.g. http://127.0.0.1:8123
    principal: Principal | None
    query_string: str = ""

    def int_query(self, name: str, default: int, low: int = 1, high: int | None = None) -> int:
        raw = self.query.get(name)
        try:
            value = int(raw) if raw not in (None, "") else default
        except ValueError:
            value = default
        value = max(low, value)
        return min(value, high) if high is not None else value

    def repo(self) -> Repo:
        repo = self.state.repo(self.params["owner"], self.params["repo"])
        if repo is None:
            raise ApiError(404, "Not Found")
        return repo


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    regex: re.Pattern[str]
    counted: bool = True  # False: does not spend the primary rate limit (GET /rate_limit, app JWT endpoints)
    auth: str = "token"  # "token" (user or installation), "app" (JWT)


def route(method: str, template: str, handler: Handler, *, counted: bool = True, auth: str = "token") -> Route:
    pattern = re.sub(r"\{(\w+)\}", lambda m: f"(?P<{m[1]}>{'.+' if m[1] in _GREEDY else '[^/]+'})", template)
    return Route(method, template, handler, re.compile(f"^{pattern}$"), counted, auth)


def match(routes: list[Route], method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
    """(route, params, path_exists): path_exists lets the server answer 404 vs. 405-like 404 the same way."""
    found_path = False
    for r in routes:
        m = r.regex.match(path)
        if m:
            found_path = True
            if r.method == method:
                return r, {k: urllib.parse.unquote(v) for k, v in m.groupdict().items()}, True
    return None, {}, found_path


def paginate(call: Call, items: list[Any], default_per_page: int = 30) -> Reply:
    """Slice `items` by `page`/`per_page` and add GitHub's `Link` header (next/last, prev/first)."""
    per_page = call.int_query("per_page", default_per_page, 1, 100)
    page = call.int_query("page", 1)
    last = max(1, -(-len(items) // per_page))
    body = items[(page - 1) * per_page: page * per_page]
    links = []
    pairs = [(k, v) for k, v in urllib.parse.parse_qsl(call.query_string, keep_blank_values=True)
             if k not in {"page"}]

    def url(p: int) -> str:
        return f"{call.api}{call.path}?{urllib.parse.urlencode(pairs + [('page', str(p))])}"

    if page > 1:
        links += [f'<{url(min(page - 1, last))}>; rel="prev"', f'<{url(1)}>; rel="first"']
    if page < last:
        links += [f'<{url(page + 1)}>; rel="next"', f'<{url(last)}>; rel="last"']
    return Reply(200, body, {"Link": ", ".join(links)} if links else {})
