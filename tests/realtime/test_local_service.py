"""The local SignalR service behaves like Azure SignalR Service in Serverless mode for its public contracts:
tokens verified (key, expiry, audience = client URL per hub, or REST URL), negotiate v1, the REST API's
group/user/connection delivery to Microsoft's own client, serverless hubs refusing client invocations, the size
limit, and connections that come and go leaving nothing behind. Tokens here are built with PyJWT from the
documented claims, independently of the app's code."""
from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests

from tests.realtime.signalr_support import REPO_ROOT, NodeListener, SignalRProcess

pytestmark = [pytest.mark.live]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SignalRProcess]:
    process = SignalRProcess(tmp_path_factory.mktemp("signalr-local")).start()
    yield process
    process.stop()


def _key(service: SignalRProcess) -> str:
    return service.connection_string.split("AccessKey=", 1)[1].split(";", 1)[0]


def _token(key: str, aud: str, user: str | None = None, lifetime: int = 600) -> str:
    now = int(time.time())
    claims: dict[str, object] = {"aud": aud, "iat": now, "exp": now + lifetime}
    if user:
        claims["nameid"] = user
    return jwt.encode(claims, key, algorithm="HS256")


def _client_url(service: SignalRProcess, hub: str = "jobs") -> str:
    return f"{service.endpoint}/client/?hub={hub}"


def _rest(service: SignalRProcess, method: str, path: str, token: str | None = None,
          json: dict[str, Any] | None = None) -> requests.Response:
    url = f"{service.endpoint}/api/v1/hubs/jobs{path}"
    bearer = token if token is not None else _token(_key(service), url.split("?", 1)[0])
    return requests.request(method, url, headers={"Authorization": f"Bearer {bearer}"}, timeout=10, json=json)


def test_client_negotiate_verifies_the_token(service: SignalRProcess) -> None:
    url = f"{service.endpoint}/client/negotiate?hub=jobs&negotiateVersion=1"
    key = _key(service)
    refused = {
        "no token": None,
        "another key": _token("another-key-another-key-another-key!", _client_url(service)),
        "expired": _token(key, _client_url(service), lifetime=-60),
        "another hub": _token(key, _client_url(service, "other")),
    }
    for why, token in refused.items():
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        assert requests.post(url, headers=headers, timeout=10).status_code == 401, why
    accepted = requests.post(url, headers={"Authorization": f"Bearer {_token(key, _client_url(service))}"},
                             timeout=10)
    assert accepted.status_code == 200
    body = accepted.json()
    assert body["negotiateVersion"] == 1 and body["connectionToken"] and body["connectionId"]
    assert body["availableTransports"][0]["transport"] == "WebSockets"


def test_rest_api_verifies_the_server_token_and_the_size_limit(service: SignalRProcess) -> None:
    key = _key(service)
    message = {"target": "Msg", "arguments": [1]}
    group_url = f"{service.endpoint}/api/v1/hubs/jobs/groups/g"
    assert _rest(service, "POST", "/groups/g", _token("another-key-another-key-another-key!", group_url),
                 json=message).status_code == 401
    assert _rest(service, "POST", "/groups/g", _token(key, group_url, lifetime=-60), json=message).status_code == 401
    assert _rest(service, "POST", "/groups/g", _token(key, f"{service.endpoint}/api/v1/hubs/jobs"),
                 json=message).status_code == 401   # a token for another URL
    assert _rest(service, "POST", "/groups/g", json=message).status_code == 202
    too_large = {"target": "Msg", "arguments": ["x" * 1_000_001]}
    assert _rest(service, "POST", "/groups/g", json=too_large).status_code == 413


def test_a_remembered_token_is_still_refused_once_it_expires(service: SignalRProcess) -> None:
    """The service remembers verified tokens (no HMAC per message); a remembered token still ends at its `exp`, and
    the same string for another URL is checked on its own."""
    url = f"{service.endpoint}/api/v1/hubs/jobs/groups/expiring"
    token = _token(_key(service), url, lifetime=2)
    message = {"target": "Msg", "arguments": [1]}
    assert _rest(service, "POST", "/groups/expiring", token, json=message).status_code == 202
    assert _rest(service, "POST", "/groups/expiring", token, json=message).status_code == 202   # remembered
    assert _rest(service, "POST", "/groups/other", token, json=message).status_code == 401      # another aud
    time.sleep(3.1)
    assert _rest(service, "POST", "/groups/expiring", token, json=message).status_code == 401


def test_fanout_timings_name_each_rest_send(service: SignalRProcess) -> None:
    """`/_emulator/fanout` (benchmarks split latency with it): per REST send, received before written, and how
    many connections it was written to."""
    assert _rest(service, "POST", "/groups/timed", json={"target": "Msg", "arguments": [1]}).status_code == 202
    sends = requests.get(f"{service.endpoint}/_emulator/fanout",
                         params={"path": "/api/v1/hubs/jobs/groups/timed"}, timeout=10).json()
    assert [s["connections"] for s in sends] == [0]
    assert 0 < sends[0]["receivedAt"] <= sends[0]["writtenAt"] <= time.time() * 1000


def test_rest_delivery_reaches_exactly_the_addressed_clients(service: SignalRProcess) -> None:
    key = _key(service)
    clients = {user: NodeListener(_client_url(service), "", ("Msg",),
                                  env={"SIGNALR_ACCESS_TOKEN": _token(key, _client_url(service), user)})
               for user in ("u1", "u2", "u3")}
    try:
        ids = {user: client.connected() for user, client in clients.items()}
        assert _rest(service, "PUT", "/groups/g/users/u1?ttl=600").status_code == 200
        assert _rest(service, "PUT", f"/groups/g/connections/{ids['u2']}").status_code == 200
        assert _rest(service, "PUT", "/groups/g/connections/nobody").status_code == 404
        assert _rest(service, "HEAD", f"/connections/{ids['u3']}").status_code == 200
        assert _rest(service, "HEAD", "/connections/nobody").status_code == 404
        sends = [("/groups/g", {"u1", "u2"}), ("/users/u3", {"u3"}), (f"/connections/{ids['u1']}", {"u1"}),
                 ("", {"u1", "u2", "u3"})]
        for number, (path, _) in enumerate(sends):
            assert _rest(service, "POST", path, json={"target": "Msg", "arguments": [number]}).status_code == 202
        assert _rest(service, "DELETE", f"/groups/g/connections/{ids['u2']}").status_code == 200
        assert _rest(service, "DELETE", "/groups/g/users/u1").status_code == 200
        assert _rest(service, "POST", "/groups/g", json={"target": "Msg", "arguments": ["none"]}).status_code == 202
        assert _rest(service, "POST", "", json={"target": "Msg", "arguments": ["end"]}).status_code == 202
        for user, client in clients.items():
            client.wait_until(lambda c: "end" in c.events("Msg"), 30, f"the last broadcast at {user}")
            expected = [n for n, (_, users) in enumerate(sends) if user in users] + ["end"]
            assert client.events("Msg") == expected, (user, client.events("Msg"))
    finally:
        for client in clients.values():
            client.stop()


def test_a_client_invocation_closes_the_connection_with_an_error(service: SignalRProcess) -> None:
    client = NodeListener(_client_url(service), "", ("Msg",), env={
        "SIGNALR_ACCESS_TOKEN": _token(_key(service), _client_url(service), "u9"), "SIGNALR_INVOKE": "Hello"})
    try:
        client.connected()
        client.wait_until(lambda c: any(s["state"] == "closed" for s in c.states()), 30, "the close")
        closed = next(s for s in client.states() if s["state"] == "closed")
        assert "Serverless" in closed["error"] and "Hello" in closed["error"]
    finally:
        client.stop()


def test_connections_that_come_and_go_leave_nothing_behind(service: SignalRProcess, tmp_path: Path) -> None:
    token = _token(_key(service), _client_url(service), "churn")
    before = service.stats()
    run = subprocess.run(["node", str(Path(__file__).with_name("churn.js")), _client_url(service), token, "200"],
                         check=False, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert "OPENED 200" in run.stdout and "DONE" in run.stdout, run.stdout + run.stderr
    deadline = time.monotonic() + 30
    while service.stats()["connections"] > before["connections"] and time.monotonic() < deadline:
        time.sleep(0.1)
    after = service.stats()
    assert after["connections"] == before["connections"] and after["groups"] == before["groups"]
    assert after["pending"] <= before["pending"]


def test_pings_keep_a_quiet_connection_open(tmp_path: Path) -> None:
    """With pings every 0.5 s, a client that gives up on a server silent for 2 s stays connected through 5 s of no
    messages; a close would show as a `closed` state."""
    quiet = SignalRProcess(tmp_path, env={"DEVHOST_SIGNALR_PING_SECONDS": "0.5"}).start()
    client = NodeListener(_client_url(quiet), "", ("Msg",), env={
        "SIGNALR_ACCESS_TOKEN": _token(_key(quiet), _client_url(quiet), "u-quiet"),
        "SIGNALR_SERVER_TIMEOUT_MS": "2000"})
    try:
        connection_id = client.connected()
        time.sleep(5)
        assert not any(s["state"] == "closed" for s in client.states()), client.lines
        assert _rest(quiet, "HEAD", f"/connections/{connection_id}").status_code == 200
    finally:
        client.stop()
        quiet.stop()


def test_a_graceful_stop_lets_clients_reconnect(tmp_path: Path) -> None:
    """Stopping the service (SIGTERM) sends a close with `allowReconnect`: the client reconnects (it does not
    close), and once the service is back it gets messages again."""
    restarting = SignalRProcess(tmp_path).start()
    client = NodeListener(_client_url(restarting), "", ("Msg",), env={
        "SIGNALR_ACCESS_TOKEN": _token(_key(restarting), _client_url(restarting), "u-back")})
    try:
        client.connected()
        restarting.stop()
        client.wait_until(lambda c: any(s["state"] == "reconnecting" for s in c.states()), 30, "reconnecting")
        restarting.start()
        client.wait_until(lambda c: any(s["state"] == "reconnected" for s in c.states()), 60, "reconnected")
        assert _rest(restarting, "POST", "/users/u-back", json={"target": "Msg", "arguments": ["back"]}
                     ).status_code == 202
        client.wait_until(lambda c: c.events("Msg") == ["back"], 30, "a message after the restart")
        assert not any(s["state"] == "closed" for s in client.states())
    finally:
        client.stop()
        restarting.stop()


@pytest.mark.parametrize("transport", ["ServerSentEvents", "LongPolling"])
def test_http_transports(service: SignalRProcess, transport: str) -> None:
    """The official client forced onto Server-Sent Events or long polling: handshake and pings by POST, messages on
    the stream or the polls, in order; a hub method call refused with a close, as over WebSockets."""
    key = _key(service)
    env = {"SIGNALR_ACCESS_TOKEN": _token(key, _client_url(service), "u-sse"), "SIGNALR_TRANSPORT": transport}
    client = NodeListener(_client_url(service), "", ("Msg",), env=env)
    caller = NodeListener(_client_url(service), "", ("Msg",), env={**env, "SIGNALR_INVOKE": "Hello"})
    try:
        connection_id = client.connected()
        assert _rest(service, "HEAD", f"/connections/{connection_id}").status_code == 200
        for number in range(3):
            assert _rest(service, "POST", "/users/u-sse", json={"target": "Msg", "arguments": [number]}
                         ).status_code == 202
        client.wait_until(lambda c: len(c.events("Msg")) >= 3, 30, f"three messages over {transport}")
        assert client.events("Msg")[:3] == [0, 1, 2]
        caller.connected()
        caller.wait_until(lambda c: any(s["state"] == "closed" for s in c.states()), 30, f"the close over {transport}")
        assert "Serverless" in next(s for s in caller.states() if s["state"] == "closed")["error"]
        client.stop()   # a clean stop (DELETE for long polling, the stream closed for SSE) ends the connection
        deadline = time.monotonic() + 30
        while _rest(service, "HEAD", f"/connections/{connection_id}").status_code != 404:
            assert time.monotonic() < deadline, "the stopped connection is still open"
            time.sleep(0.1)
    finally:
        client.stop()
        caller.stop()
