"""Azure SignalR Service's data-plane REST API (v1), the calls this app needs, over plain HTTP.

Each request carries a fresh server token whose `aud` is the request URL. Errors are typed: `ServiceUnavailable`
(network error, timeout, 429, 5xx: worth a later retry) or `ServiceRejected` (any other 4xx: retrying cannot help).
Their messages name the endpoint and the status, never the token or the key.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote

from shared.realtime.connection import SignalRConnection
from shared.realtime.tokens import server_token

DEFAULT_TIMEOUT_SECONDS = 2.0


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

    def _request(self, method: str, path: str, body: bytes | None = None) -> int:
        url = self.conn.api_url(path)
        request = urllib.request.Request(url, data=body, method=method, headers={
            "Authorization": f"Bearer {server_token(self.conn, url)}", "Content-Type": "application/json"})
        where = f"{method} {self.conn.endpoint}/api/v1/hubs/{self.hub}/..."
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code == 429 or exc.code >= 500:
                raise ServiceUnavailable(f"{where}: HTTP {exc.code}") from None
            raise ServiceRejected(f"{where}: HTTP {exc.code}", exc.code) from None
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ServiceUnavailable(f"{where}: {type(reason).__name__}") from None


def _body(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":"), default=str).encode()
