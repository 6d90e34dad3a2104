"""The JWTs Azure SignalR Service accepts, built the way its SDKs and the Functions binding build them.

Both kinds are HS256-signed with the connection string's AccessKey (its UTF-8 bytes). A client token's `aud` is the
client URL (`<endpoint>/client/?hub=<hub>`) and `nameid` the user id the service uses for user and user-group
delivery; a server token's `aud` is the REST request's URL without its query. Lifetimes are short so a leaked token
is of little use: clients get a fresh one on every (re)negotiation.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

from shared.realtime.connection import SignalRConnection

CLIENT_TOKEN_SECONDS = 3600     # what the signalRConnectionInfo binding issues
SERVER_TOKEN_SECONDS = 300
USER_CLAIM = "nameid"           # ClaimTypes.NameIdentifier's short JWT name, read by the service as the user id


@dataclass(frozen=True)
class NegotiateRedirect:
    """The body of `POST /api/negotiate`: SignalR clients follow `url` and present `accessToken`."""
    url: str
    access_token: str

    def to_json(self) -> dict[str, str]:
        return {"url": self.url, "accessToken": self.access_token}


def _sign(conn: SignalRConnection, claims: dict[str, object]) -> str:
    return jwt.encode(claims, conn.access_key.reveal(), algorithm="HS256")


def client_token(conn: SignalRConnection, hub: str, user_id: str, *, now: float | None = None,
                 lifetime: int = CLIENT_TOKEN_SECONDS) -> str:
    issued = int(now if now is not None else time.time())
    return _sign(conn, {"aud": conn.client_url(hub), "iat": issued, "nbf": issued, "exp": issued + lifetime,
                        USER_CLAIM: user_id})


def server_token(conn: SignalRConnection, url: str, *, now: float | None = None,
                 lifetime: int = SERVER_TOKEN_SECONDS) -> str:
    issued = int(now if now is not None else time.time())
    return _sign(conn, {"aud": url.split("?", 1)[0], "iat": issued, "nbf": issued, "exp": issued + lifetime})


def negotiate_redirect(conn: SignalRConnection, hub: str, user_id: str) -> NegotiateRedirect:
    return NegotiateRedirect(conn.client_url(hub), client_token(conn, hub, user_id))
