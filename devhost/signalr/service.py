"""The emulated service: client endpoint, WebSocket connections, groups and users, data-plane REST API.

State is in memory, like a connection's life on the real service: connections, the groups they or their users are
in, and negotiated-but-not-yet-connected tokens (expiring). A closed connection leaves nothing behind, so clients
that come and go keep memory flat. Each connection has its own outbound queue and writer task, so a slow client
never delays a REST send or another client, and messages reach a client in the order the REST API took them.
"""
from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import WSMsgType, web

from devhost.signalr import protocol
from devhost.signalr.config import EmulatorConfig

log = logging.getLogger("devhost.signalr")

MAX_MESSAGE_BYTES = 1_000_000       # the REST API's limit on a message body
NEGOTIATION_TTL_SECONDS = 300       # a connection token not used within this is forgotten
HANDSHAKE_TIMEOUT_SECONDS = 15
POLL_SECONDS = 90                      # a long poll with nothing to say answers empty after this
MAX_CLIENT_BACKLOG_BYTES = 4_000_000   # a client this far behind is dropped rather than buffered without end
VERIFIED_TOKENS = 4_096                # verified (token, audience) pairs remembered
FANOUT_HISTORY = 2_000                 # REST sends whose timings `/_emulator/fanout` keeps
USER_CLAIMS = ("nameid", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier", "sub")


@dataclass
class Connection:
    connection_id: str
    hub: str
    user_id: str | None
    ws: web.WebSocketResponse | None       # None: Server-Sent Events (`sse`)
    transport: asyncio.BaseTransport | None = None
    outbox: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)
    groups: set[str] = field(default_factory=set)
    sse: web.StreamResponse | None = None
    long_polling: bool = False
    handshaken: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)
    last_seen: float = field(default_factory=time.monotonic)

    @property
    def closed(self) -> bool:
        return self.ws.closed if self.ws is not None else self.done.is_set()

    @property
    def websocket(self) -> web.WebSocketResponse:
        assert self.ws is not None, "a WebSockets connection"
        return self.ws


@dataclass
class Pending:
    connection_id: str
    hub: str
    user_id: str | None
    expires: float


class Unauthorized(Exception):
    pass


class SignalRService:
    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.connections: dict[str, Connection] = {}
        self.http_by_token: dict[str, Connection] = {}   # SSE / long polling: connection token → connection
        self.pending: dict[str, Pending] = {}                                 # connection token → negotiation
        self.group_connections: dict[tuple[str, str], set[str]] = {}          # (hub, group) → connection ids
        self.group_users: dict[tuple[str, str], dict[str, float | None]] = {}  # (hub, group) → user → expiry
        self.messages_sent = 0
        self.fanouts: deque[dict[str, Any]] = deque(maxlen=FANOUT_HISTORY)
        self._verified: dict[tuple[str, str], dict[str, Any]] = {}

    # -- tokens -------------------------------------------------------------------------------------------------
    def _claims(self, token: str | None, audience: str) -> dict[str, Any]:
        """The token's claims once its signature, audience and lifetime are checked. A signature checked once for
        an audience stays valid, so verified tokens are remembered (the app signs one server token per REST URL and
        reuses it; a client reconnecting brings the same token): a repeat costs a dict look-up and the expiry test,
        not an HMAC and a JSON parse per request."""
        if not token:
            raise Unauthorized("no access token (Authorization: Bearer or access_token)")
        known = self._verified.get((token, audience))
        if known is not None:
            if known["exp"] > time.time():
                return known
            del self._verified[(token, audience)]
            raise Unauthorized("the access token has expired")
        try:
            claims: dict[str, Any] = jwt.decode(token, self.config.access_key, algorithms=["HS256"],
                                                audience=audience, options={"require": ["exp", "aud"]})
        except jwt.ExpiredSignatureError:
            raise Unauthorized("the access token has expired") from None
        except jwt.InvalidAudienceError:
            raise Unauthorized(f"the access token's audience is not {audience}") from None
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid access token ({type(exc).__name__})") from None
        if len(self._verified) >= VERIFIED_TOKENS:
            self._verified.clear()   # bounded: tokens are short-lived, the next requests verify theirs again
        self._verified[(token, audience)] = claims
        return claims

    @staticmethod
    def _token_of(request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("bearer "):
            return header[7:].strip()
        return request.query.get("access_token")

    def _client_claims(self, request: web.Request, hub: str) -> dict[str, Any]:
        return self._claims(self._token_of(request), f"{self.config.endpoint}/client/?hub={hub}")

    def _server_auth(self, request: web.Request) -> None:
        self._claims(self._token_of(request), self.config.endpoint + request.raw_path.split("?", 1)[0])

    @staticmethod
    def _user_of(claims: dict[str, Any]) -> str | None:
        return next((str(claims[c]) for c in USER_CLAIMS if claims.get(c)), None)

    # -- client endpoint ----------------------------------------------------------------------------------------
    @staticmethod
    def _hub(request: web.Request) -> str:
        hub = (request.query.get("hub") or "").lower()
        if not hub:
            raise web.HTTPBadRequest(text="the hub query parameter is required")
        return hub

    async def client_negotiate(self, request: web.Request) -> web.Response:
        hub = self._hub(request)
        try:
            claims = self._client_claims(request, hub)
        except Unauthorized as exc:
            return web.Response(status=401, text=str(exc))
        self._forget_expired()
        token, connection_id = secrets.token_urlsafe(24), secrets.token_urlsafe(16)
        self.pending[token] = Pending(connection_id, hub, self._user_of(claims),
                                      time.monotonic() + NEGOTIATION_TTL_SECONDS)
        version = 1 if request.query.get("negotiateVersion", "0") not in ("", "0") else 0
        body: dict[str, Any] = {"connectionId": connection_id, "negotiateVersion": version,
                                "availableTransports": [
                                    {"transport": "WebSockets", "transferFormats": ["Text", "Binary"]},
                                    {"transport": "ServerSentEvents", "transferFormats": ["Text"]},
                                    {"transport": "LongPolling", "transferFormats": ["Text", "Binary"]}]}
        if version:
            body["connectionToken"] = token
        else:
            self.pending[connection_id] = self.pending.pop(token)
        return web.json_response(body)

    def _forget_expired(self) -> None:
        now = time.monotonic()
        for token in [t for t, p in self.pending.items() if p.expires < now]:
            del self.pending[token]
        idle = now - max(self.config.client_timeout_seconds, POLL_SECONDS + 10)
        for token, conn in list(self.http_by_token.items()):   # long-polling clients that stopped polling
            if conn.long_polling and (conn.closed or conn.last_seen < idle):
                self._end_http(token, conn)

    def _end_http(self, token: str, conn: Connection) -> None:
        conn.done.set()
        self.http_by_token.pop(token, None)
        self._drop(conn)

    async def client_connect(self, request: web.Request) -> web.StreamResponse:
        hub = self._hub(request)
        try:
            self._client_claims(request, hub)
        except Unauthorized as exc:
            return web.Response(status=401, text=str(exc))
        token = request.query.get("id", "")
        polling = self.http_by_token.get(token)
        if polling is not None and polling.long_polling and polling.hub == hub:
            return await self._poll(token, polling)
        pending = self.pending.pop(token, None)
        if pending is None or pending.hub != hub or pending.expires < time.monotonic():
            return web.Response(status=404, text="no such connection: negotiate first")
        if request.headers.get("Upgrade", "").lower() != "websocket":
            if "text/event-stream" in request.headers.get("Accept", ""):
                return await self._serve_sse(request, pending, token)
            # Long polling: the first poll only opens the connection and answers at once, empty.
            self._forget_expired()
            self.http_by_token[token] = Connection(pending.connection_id, pending.hub, pending.user_id, None,
                                                   request.transport, long_polling=True)
            return web.Response(status=200)
        # No permessage-deflate: per-connection zlib state costs native memory and CPU on every fan-out.
        ws = web.WebSocketResponse(autoping=True, max_msg_size=MAX_MESSAGE_BYTES, compress=False)
        await ws.prepare(request)
        conn = Connection(pending.connection_id, hub, pending.user_id, ws, request.transport)
        try:
            if not await self._handshake(conn):
                return ws
            self.connections[conn.connection_id] = conn
            writer = asyncio.create_task(self._writer(conn))
            pinger = asyncio.create_task(self._pinger(conn))
            try:
                await self._reader(conn)
            finally:
                pinger.cancel()
                conn.outbox.put_nowait(None)
                await asyncio.gather(writer, pinger, return_exceptions=True)
        finally:
            self._drop(conn)
            if not ws.closed:
                await ws.close()
        return ws

    async def _serve_sse(self, request: web.Request, pending: Pending, token: str) -> web.StreamResponse:
        """Server-Sent Events: this GET carries server → client messages (`data: <record>`); the client sends its
        handshake, pings and close with `POST /client/?hub=&id=` (`client_send`)."""
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        conn = Connection(pending.connection_id, pending.hub, pending.user_id, None, request.transport, sse=response)
        self.http_by_token[token] = conn
        writer = asyncio.create_task(self._writer(conn))
        pinger = asyncio.create_task(self._pinger(conn))
        try:
            while not conn.done.is_set():
                try:
                    await asyncio.wait_for(conn.done.wait(), 1.0)
                except TimeoutError:
                    gone = request.transport is None or request.transport.is_closing()
                    if gone or time.monotonic() - conn.last_seen > self.config.client_timeout_seconds:
                        break
        finally:
            conn.done.set()
            pinger.cancel()
            conn.outbox.put_nowait(None)
            await asyncio.gather(writer, pinger, return_exceptions=True)
            self.http_by_token.pop(token, None)
            self._drop(conn)
        return response

    async def _poll(self, token: str, conn: Connection) -> web.Response:
        """One long poll: everything queued for the client (records concatenated), waiting up to POLL_SECONDS for
        the first; 204 once the connection has ended, which tells the client to stop."""
        conn.last_seen = time.monotonic()
        if conn.closed:
            self._end_http(token, conn)
            return web.Response(status=204)
        try:
            first = await asyncio.wait_for(conn.outbox.get(), POLL_SECONDS)
        except TimeoutError:
            return web.Response(status=200)
        items = [first]
        while not conn.outbox.empty():
            items.append(conn.outbox.get_nowait())
        records = [item for item in items if item is not None]
        if None in items or any(r.startswith('{"type":7') for r in records):
            conn.done.set()   # the close goes out with this answer; the next poll gets 204
        conn.last_seen = time.monotonic()
        return web.Response(status=200, text="".join(records), content_type="text/plain")

    async def client_end(self, request: web.Request) -> web.Response:
        """Long polling's stop: `DELETE /client/?hub=&id=`."""
        token = request.query.get("id", "")
        conn = self.http_by_token.get(token)
        if conn is None or not conn.long_polling:
            return web.Response(status=404, text="no such connection")
        conn.outbox.put_nowait(None)
        self._end_http(token, conn)
        return web.Response(status=202)

    async def client_send(self, request: web.Request) -> web.Response:
        """Client → server records of a Server-Sent Events connection."""
        hub = self._hub(request)
        try:
            self._client_claims(request, hub)
        except Unauthorized as exc:
            return web.Response(status=401, text=str(exc))
        conn = self.http_by_token.get(request.query.get("id", ""))
        if conn is None or conn.hub != hub or conn.closed:
            return web.Response(status=404, text="no such connection")
        text = await request.text()
        conn.last_seen = time.monotonic()
        if not conn.handshaken:
            request_text, _, text = text.partition(protocol.RS)
            try:
                handshake = json.loads(request_text)
            except ValueError:
                handshake = {}
            if handshake.get("protocol") != "json" or handshake.get("version") != 1:
                conn.outbox.put_nowait(protocol.frame({"error": "this local service speaks json v1"}))
                conn.outbox.put_nowait(protocol.close("handshake failed"))
                return web.Response(status=200)
            conn.handshaken = True
            self.connections[conn.connection_id] = conn
            conn.outbox.put_nowait(protocol.frame({}))
        if text.strip(protocol.RS) and not await self._handle_records(conn, text):
            conn.outbox.put_nowait(protocol.close())   # after any close already queued; ends the stream
        return web.Response(status=200)

    async def _handshake(self, conn: Connection) -> bool:
        buffer = ""
        deadline = time.monotonic() + HANDSHAKE_TIMEOUT_SECONDS
        while protocol.RS not in buffer:
            try:
                msg = await conn.websocket.receive(timeout=max(0.1, deadline - time.monotonic()))
            except TimeoutError:
                return False
            if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                return False
            buffer += msg.data if msg.type == WSMsgType.TEXT else msg.data.decode("utf-8", "replace")
        request_text, _, rest = buffer.partition(protocol.RS)
        try:
            handshake = json.loads(request_text)
        except ValueError:
            handshake = {}
        if handshake.get("protocol") != "json" or handshake.get("version") != 1:
            await conn.websocket.send_str(protocol.frame({"error": f"Requested protocol '{handshake.get('protocol')}' "
                                                            "is not available; this local service speaks json v1"}))
            return False
        await conn.websocket.send_str(protocol.frame({}))
        return not rest.strip(protocol.RS) or await self._handle_records(conn, rest)

    async def _reader(self, conn: Connection) -> None:
        buffer = ""
        while not conn.closed:
            try:
                msg = await conn.websocket.receive(timeout=self.config.client_timeout_seconds)
            except TimeoutError:
                conn.outbox.put_nowait(protocol.close("Server timeout: no message from the client", True))
                return
            if msg.type == WSMsgType.TEXT:
                buffer += msg.data
            elif msg.type == WSMsgType.BINARY:
                buffer += msg.data.decode("utf-8", "replace")
            else:
                return
            records, buffer = protocol.split_records(buffer)
            if records and not await self._handle_records(conn, protocol.RS.join(records) + protocol.RS):
                return

    async def _handle_records(self, conn: Connection, text: str) -> bool:
        """False when the connection must end: a client close, or a hub method call (serverless hubs have none)."""
        records, _ = protocol.split_records(text)
        for record in records:
            try:
                message = json.loads(record)
            except ValueError:
                conn.outbox.put_nowait(protocol.close("Connection closed with an error: invalid message"))
                return False
            kind = message.get("type")
            if kind == protocol.CLOSE:
                return False
            if kind in protocol.CLIENT_CALLS:
                log.info("SignalR: connection %s invoked %r on a serverless hub; closing it", conn.connection_id,
                         message.get("target"))
                conn.outbox.put_nowait(protocol.close(
                    "Connection closed with an error: the hub runs in Serverless mode and has no server methods "
                    f"('{message.get('target')}' was invoked)"))
                return False
        return True

    async def _writer(self, conn: Connection) -> None:
        while True:
            item = await conn.outbox.get()
            if item is None or conn.closed:
                return
            try:
                if conn.sse is not None:
                    await conn.sse.write(b"data: " + item.encode() + b"\n\n")
                else:
                    await conn.websocket.send_str(item)
            except (ConnectionError, RuntimeError):
                conn.done.set()
                return
            if item.startswith('{"type":7'):
                if conn.ws is not None:
                    await conn.ws.close()
                conn.done.set()
                return

    async def _pinger(self, conn: Connection) -> None:
        while True:
            await asyncio.sleep(self.config.ping_seconds)
            conn.outbox.put_nowait(protocol.PING_FRAME)

    def _drop(self, conn: Connection) -> None:
        if self.connections.get(conn.connection_id) is conn:
            del self.connections[conn.connection_id]
        for group in conn.groups:
            members = self.group_connections.get((conn.hub, group))
            if members is not None:
                members.discard(conn.connection_id)
                if not members:
                    del self.group_connections[(conn.hub, group)]

    # -- delivery -----------------------------------------------------------------------------------------------
    def _members(self, hub: str, group: str) -> list[Connection]:
        ids = set(self.group_connections.get((hub, group), ()))
        users = self.group_users.get((hub, group), {})
        now = time.time()
        live_users = {u for u, expiry in users.items() if expiry is None or expiry > now}
        chosen = [c for c in self.connections.values()
                  if c.hub == hub and (c.connection_id in ids or (c.user_id is not None and c.user_id in live_users))]
        return chosen

    def _deliver(self, targets: list[Connection], text: str, request: web.Request) -> None:
        """Fan-out is the hot path: frame once, write the same bytes to each socket now (aiohttp writes its own
        uncompressed frames synchronously too, so pings and closes from the writer task cannot interleave). Nothing
        is awaited per connection: the kernel takes each write at once and a slow client's bytes wait in its own
        transport buffer, so one send costs one pass over its targets whatever their number or speed."""
        frame = protocol.websocket_text_frame(text)
        written = 0
        for conn in targets:
            if conn.ws is None:   # SSE (chunked HTTP, its writer task) or long polling (the next poll takes it)
                if not conn.closed:
                    conn.outbox.put_nowait(text)
                    written += 1
                continue
            transport = conn.transport
            if conn.closed or not isinstance(transport, asyncio.WriteTransport) or transport.is_closing():
                continue
            if transport.get_write_buffer_size() > MAX_CLIENT_BACKLOG_BYTES:
                log.info("SignalR: connection %s is too slow; closing it", conn.connection_id)
                conn.outbox.put_nowait(protocol.close("Connection closed: the client does not keep up", True))
                continue
            transport.write(frame)
            written += 1
        self.messages_sent += written
        self.fanouts.append({"path": request.path, "receivedAt": request.get("received_at", 0.0) * 1000,
                             "writtenAt": time.time() * 1000, "connections": written})

    # -- browsers -----------------------------------------------------------------------------------------------
    @web.middleware
    async def _cors(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Browsers on the app's origin call the client endpoint cross-origin, with credentials (the SignalR
        client's default): like the service's default CORS policy, any origin is echoed back."""
        origin = request.headers.get("Origin")
        if request.method == "OPTIONS" and origin:
            response: web.StreamResponse = web.Response(status=204)
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = request.headers.get(
                "Access-Control-Request-Headers", "authorization, content-type")
            response.headers["Access-Control-Max-Age"] = "600"
        else:
            response = await handler(request)
        if origin and request.path.startswith("/client") and not response.prepared:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Credentials"] = "true"
            response.headers["Vary"] = "Origin"
        return response

    # -- data-plane REST API ------------------------------------------------------------------------------------
    @web.middleware
    async def _rest_auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith("/api/v1/hubs/"):
            request["received_at"] = time.time()
            try:
                self._server_auth(request)
            except Unauthorized as exc:
                return web.json_response({"code": "Unauthorized", "message": str(exc)}, status=401)
        return await handler(request)

    async def _message(self, request: web.Request) -> str:
        raw = await request.read()
        if len(raw) > MAX_MESSAGE_BYTES:
            raise web.HTTPRequestEntityTooLarge(max_size=MAX_MESSAGE_BYTES, actual_size=len(raw))
        try:
            body = json.loads(raw)
        except ValueError:
            raise web.HTTPBadRequest(text="the body must be JSON: {\"target\": ..., \"arguments\": [...]}") from None
        if not isinstance(body, dict) or not isinstance(body.get("target"), str):
            raise web.HTTPBadRequest(text="the body needs a string 'target'")
        return protocol.invocation(body["target"], list(body.get("arguments") or []))

    async def send_all(self, request: web.Request) -> web.Response:
        hub = request.match_info["hub"].lower()
        text = await self._message(request)
        self._deliver([c for c in self.connections.values() if c.hub == hub], text, request)
        return web.Response(status=202)

    async def send_group(self, request: web.Request) -> web.Response:
        hub, group = request.match_info["hub"].lower(), request.match_info["group"]
        text = await self._message(request)
        self._deliver(self._members(hub, group), text, request)
        return web.Response(status=202)

    async def send_user(self, request: web.Request) -> web.Response:
        hub, user = request.match_info["hub"].lower(), request.match_info["user"]
        text = await self._message(request)
        self._deliver([c for c in self.connections.values() if c.hub == hub and c.user_id == user], text, request)
        return web.Response(status=202)

    async def send_connection(self, request: web.Request) -> web.Response:
        conn = self._connection(request)
        self._deliver([conn], await self._message(request), request)
        return web.Response(status=202)

    def _connection(self, request: web.Request) -> Connection:
        conn = self.connections.get(request.match_info["connection"])
        if conn is None or conn.hub != request.match_info["hub"].lower():
            raise web.HTTPNotFound(text="no such connection")
        return conn

    async def connection_exists(self, request: web.Request) -> web.Response:
        self._connection(request)
        return web.Response(status=200)

    async def close_connection(self, request: web.Request) -> web.Response:
        conn = self._connection(request)
        conn.outbox.put_nowait(protocol.close(request.query.get("reason")))
        return web.Response(status=200)

    async def group_add_connection(self, request: web.Request) -> web.Response:
        conn = self._connection(request)
        group = request.match_info["group"]
        self.group_connections.setdefault((conn.hub, group), set()).add(conn.connection_id)
        conn.groups.add(group)
        return web.Response(status=200)

    async def group_remove_connection(self, request: web.Request) -> web.Response:
        conn = self._connection(request)
        group = request.match_info["group"]
        self.group_connections.get((conn.hub, group), set()).discard(conn.connection_id)
        conn.groups.discard(group)
        return web.Response(status=200)

    async def group_add_user(self, request: web.Request) -> web.Response:
        hub, group, user = request.match_info["hub"].lower(), request.match_info["group"], request.match_info["user"]
        ttl = request.query.get("ttl", "")
        if ttl and not ttl.isdigit():
            raise web.HTTPBadRequest(text="ttl must be a number of seconds")
        now = time.time()
        users = self.group_users.setdefault((hub, group), {})
        for stale in [u for u, expiry in users.items() if expiry is not None and expiry <= now]:
            del users[stale]
        users[user] = now + int(ttl) if ttl else None
        return web.Response(status=200)

    async def group_remove_user(self, request: web.Request) -> web.Response:
        hub, group, user = request.match_info["hub"].lower(), request.match_info["group"], request.match_info["user"]
        users = self.group_users.get((hub, group), {})
        users.pop(user, None)
        if not users:
            self.group_users.pop((hub, group), None)
        return web.Response(status=200)

    async def fanout(self, request: web.Request) -> web.Response:
        """Not part of the service's API: when each recent REST send arrived (before its token was checked) and
        when its last socket write was done (epoch ms), and to how many connections; benchmarks split an event's
        latency with it. `?path=` keeps one REST path's sends, oldest first."""
        path = request.query.get("path")
        return web.json_response([f for f in self.fanouts if path is None or f["path"] == path])

    async def health(self, request: web.Request) -> web.Response:
        return web.Response(status=200)

    async def stats(self, request: web.Request) -> web.Response:
        """Not part of the service's API: counts for tests and benchmarks (memory stays flat)."""
        return web.json_response({"connections": len(self.connections), "pending": len(self.pending),
                                  "groups": len(self.group_connections) + len(self.group_users),
                                  "messagesSent": self.messages_sent})

    # -- life cycle ---------------------------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._cors, self._rest_auth], client_max_size=MAX_MESSAGE_BYTES + 1024)
        r = app.router
        r.add_post("/client/negotiate", self.client_negotiate)
        r.add_get("/client/", self.client_connect)
        r.add_get("/client", self.client_connect)
        r.add_post("/client/", self.client_send)
        r.add_post("/client", self.client_send)
        r.add_delete("/client/", self.client_end)
        r.add_delete("/client", self.client_end)
        hubs = "/api/v1/hubs/{hub}"
        r.add_post(hubs, self.send_all)
        r.add_post(hubs + "/groups/{group}", self.send_group)
        r.add_post(hubs + "/users/{user}", self.send_user)
        r.add_post(hubs + "/connections/{connection}", self.send_connection)
        r.add_get(hubs + "/connections/{connection}", self.connection_exists)   # HEAD too
        r.add_delete(hubs + "/connections/{connection}", self.close_connection)
        r.add_put(hubs + "/groups/{group}/connections/{connection}", self.group_add_connection)
        r.add_delete(hubs + "/groups/{group}/connections/{connection}", self.group_remove_connection)
        r.add_put(hubs + "/groups/{group}/users/{user}", self.group_add_user)
        r.add_delete(hubs + "/groups/{group}/users/{user}", self.group_remove_user)
        r.add_get("/api/v1/health", self.health)
        r.add_get("/_emulator/stats", self.stats)
        r.add_get("/_emulator/fanout", self.fanout)
        app.on_shutdown.append(self._on_shutdown)
        return app

    async def _on_shutdown(self, app: web.Application) -> None:
        """Like a service instance going away: clients are told they may reconnect."""
        for conn in list(self.connections.values()):
            conn.outbox.put_nowait(protocol.close("Service is shutting down", allow_reconnect=True))
        await asyncio.sleep(0.05)


async def start(config: EmulatorConfig) -> web.AppRunner:
    """Serve on the connection string's host and port; returns the runner (`await runner.cleanup()` stops)."""
    service = SignalRService(config)
    runner = web.AppRunner(service.app(), access_log=None, handle_signals=False, shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port)
    await site.start()
    log.info("Local SignalR service (Serverless mode) listening on %s", config.endpoint)
    return runner
