"""Azure SignalR Service's data-plane REST API (v1), the calls this app needs, over plain HTTP.

Each request carries a server token whose `aud` is the request URL. Errors are typed: `ServiceUnavailable`
(network error, timeout, 429, 5xx: worth a later retry) or `ServiceRejected` (any other 4xx: retrying cannot help).
Their messages name the endpoint and the status, never the token or the key. Each thread keeps one keep-alive
connection to the service: a new TCP (and TLS) connection per event would cost more than the event. A server token
is signed once per URL and reused for most of its life, so the service (which remembers verified tokens too) and
this side do no HMAC per message.
"""
from __future__ import annotations

import http.client
import json
import threading
import time
from typing import Any
from urllib.parse import quote, urlsplit

from shared.realtime.connection import SignalRConnection
from shared.realtime.tokens import SERVER_TOKEN_SECONDS, server_token

DEFAULT_TIMEOUT_SECONDS = 2.0
TOKEN_REUSE_SECONDS = SERVER_TOKEN_SECONDS - 60   # a reused token has at least a minute left when it is sent
MAX_CACHED_TOKENS = 1_024                           # one per REST URL (a group per job): bounded


class ServiceUnavailable(Exception):
    """The service did not answer usefully; a later attempt may succeed."""


class ServiceRejected(Exception):
    """The service refused the request (4xx); the same request will be refused again."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _seg(value: str) -> str:
    return quote(value, safe="")


class SignalRServiceApi:
    def __init__(self, conn: SignalRConnection, hub: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.conn = conn
        self.hub = hub
        self.timeout = timeout
        self._local = threading.local()
        self._tokens: dict[str, tuple[str, float]] = {}   # URL without query -> (token, reuse until: monotonic s)

    @property
    def endpoint(self) -> str:
        return self.conn.endpoint

    def send_to_group(self, group: str, message: dict[str, Any]) -> None:
        self._request("POST", f"hubs/{_seg(self.hub)}/groups/{_seg(group)}", _body(message))

    def broadcast(self, message: dict[str, Any]) -> None:
        self._request("POST", f"hubs/{_seg(self.hub)}", _body(message))

    def add_user_to_group(self, group: str, user_id: str, ttl_seconds: int | None = None) -> None:
        """The user's current and future connections get the group's messages (until `ttl_seconds`, if set)."""
        query = f"?ttl={ttl_seconds}" if ttl_seconds else ""
        self._request("PUT", f"hubs/{_seg(self.hub)}/groups/{_seg(group)}/users/{_seg(user_id)}{query}")

    def add_connection_to_group(self, group: str, connection_id: str) -> bool:
        """False when the service has no such connection (404)."""
        try:
            self._request("PUT", f"hubs/{_seg(self.hub)}/groups/{_seg(group)}/connections/{_seg(connection_id)}")
        except ServiceRejected as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def _http(self) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is None:
            split = urlsplit(self.conn.endpoint)
            kind = http.client.HTTPSConnection if split.scheme == "https" else http.client.HTTPConnection
            connection = kind(split.hostname or "", split.port, timeout=self.timeout)
            self._local.connection = connection
        return connection

    def _drop_http(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    def _token(self, url: str) -> str:
        """The server token for `url` (its `aud`), signed again only when the cached one has under a minute left.
        Races between threads are harmless: both tokens are valid."""
        now = time.monotonic()
        key = url.split("?", 1)[0]
        cached = self._tokens.get(key)
        if cached is not None and cached[1] > now:
            return cached[0]
        if len(self._tokens) >= MAX_CACHED_TOKENS:
            self._tokens.clear()
        token = server_token(self.conn, key)
        self._tokens[key] = (token, now + TOKEN_REUSE_SECONDS)
        return token

    def _request(self, method: str, path: str, body: bytes | None = None) -> int:
        url = self.conn.api_url(path)
        headers = {"Authorization": f"Bearer {self._token(url)}", "Content-Type": "application/json"}
        where = f"{method} {self.conn.endpoint}/api/v1/hubs/{self.hub}/..."
        split = urlsplit(url)
        target = split.path + (f"?{split.query}" if split.query else "")
        for attempt in (1, 2):
            reused = getattr(self._local, "connection", None) is not None
            try:
                connection = self._http()
                connection.request(method, target, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                status = int(response.status)
                if response.will_close:
                    self._drop_http()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                self._drop_http()
                if reused and attempt == 1:
                    continue   # the service closed an idle keep-alive connection: one fresh try
                raise ServiceUnavailable(f"{where}: {type(exc).__name__}") from None
            except (OSError, http.client.HTTPException) as exc:
                self._drop_http()
                raise ServiceUnavailable(f"{where}: {type(exc).__name__}") from None
        if status == 429 or status >= 500:
            raise ServiceUnavailable(f"{where}: HTTP {status}")
        if status >= 400:
            raise ServiceRejected(f"{where}: HTTP {status}", status)
        return status


def _body(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":"), default=str).encode()
