"""Static assets of the web UI, resolved safely and answered with the headers a page full of API data needs.

The pages are plain ES modules (no bundler): the browser loads each module on demand, nothing is built except one
copy of Microsoft's SignalR browser client into `web/vendor/` (`scripts/build_ui.sh`), and every file the app
serves is one a reviewer can read. The Content-Security-Policy allows scripts and styles from this origin only;
`connect-src` adds the Azure SignalR Service origin when one is configured, so live updates work in Azure.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

WEB_ROOT = Path(__file__).resolve().parents[2] / "web"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml", ".png": "image/png", ".json": "application/json", ".map": "application/json",
    ".ico": "image/x-icon",
}


@dataclass(frozen=True)
class Asset:
    """One file to answer with: its bytes, its type and a strong ETag (content hash)."""
    body: bytes
    content_type: str
    etag: str


class AssetNotFound(LookupError):
    """No such file under `web/` (or a path that tries to leave it)."""


def resolve(path: str, root: Path = WEB_ROOT) -> Asset:
    """The asset at `path` (relative, '/'-separated; empty means index.html). Refuses anything outside `root`,
    hidden files and unknown types, so the route can never serve app code or settings."""
    relative = PurePosixPath(path or "index.html")
    if relative.is_absolute() or any(part in ("", ".", "..") or part.startswith(".") for part in relative.parts):
        raise AssetNotFound(path)
    content_type = CONTENT_TYPES.get(relative.suffix.lower())
    if content_type is None:
        raise AssetNotFound(path)
    file = (root / relative).resolve()
    if root.resolve() not in file.parents or not file.is_file():
        raise AssetNotFound(path)
    body = file.read_bytes()
    return Asset(body, content_type, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')


def security_headers(signalr_endpoint: str | None) -> dict[str, str]:
    """Headers for every UI response: a strict CSP (no inline script or style, no framing, no plugins)."""
    connect = ["'self'"]
    origin = _origin(signalr_endpoint)
    if origin:
        ws = origin.replace("https://", "wss://").replace("http://", "ws://")
        connect += [origin, ws]
    csp = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           f"connect-src {' '.join(connect)}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
    return {"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY", "Cache-Control": "no-cache"}


def _origin(endpoint: str | None) -> str | None:
    if not endpoint:
        return None
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def signalr_endpoint(connection_string: str) -> str | None:
    """The `Endpoint=` of an Azure SignalR connection string (never its AccessKey): what the CSP must allow."""
    for part in connection_string.split(";"):
        key, _, value = part.partition("=")
        if key.strip().lower() == "endpoint" and value.strip():
            return value.strip()
    return None
