"""The negotiate redirect and the service tokens carry the claims Azure SignalR Service documents: HS256 with the
AccessKey, `aud` = client URL (client tokens) or the REST URL without query (server tokens), `exp`, `nameid`."""
from __future__ import annotations

import logging
import time

import jwt
import pytest

from shared.realtime.connection import ConnectionStringError, SignalRConnection
from shared.realtime.tokens import CLIENT_TOKEN_SECONDS, client_token, negotiate_redirect, server_token

KEY = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH"
AZURE = f"Endpoint=https://demo.service.signalr.net;AccessKey={KEY};Version=1.0;"


def test_connection_string_forms_and_key_never_shown() -> None:
    conn = SignalRConnection.parse(AZURE)
    assert conn.endpoint == "https://demo.service.signalr.net"
    assert conn.client_url("jobs") == "https://demo.service.signalr.net/client/?hub=jobs"
    assert conn.api_url("hubs/jobs/groups/g") == "https://demo.service.signalr.net/api/v1/hubs/jobs/groups/g"
    assert KEY not in repr(conn) and KEY not in str(conn.access_key)
    local = SignalRConnection.parse(f"endpoint=http://localhost;Port=8888;accesskey={KEY};Version=1.0;")
    assert local.endpoint == "http://localhost:8888"
    split = SignalRConnection.parse(AZURE + "ClientEndpoint=https://edge.example.com;")
    assert split.client_url("jobs") == "https://edge.example.com/client/?hub=jobs"
    assert split.endpoint == "https://demo.service.signalr.net"


@pytest.mark.parametrize("value, named", [
    ("Endpoint=https://demo.service.signalr.net;Version=1.0;", "AccessKey"),
    (f"AccessKey={KEY};Version=1.0;", "Endpoint"),
    (f"Endpoint=ftp://demo;AccessKey={KEY};", "Endpoint"),
    (f"Endpoint=https://demo.service.signalr.net;AuthType=azure.msi;AccessKey={KEY};", "AuthType"),
])
def test_malformed_connection_strings_name_the_part_not_the_key(value: str, named: str) -> None:
    with pytest.raises(ConnectionStringError) as caught:
        SignalRConnection.parse(value)
    assert named in str(caught.value) and KEY not in str(caught.value)


def test_client_token_claims() -> None:
    conn = SignalRConnection.parse(AZURE)
    token = client_token(conn, "jobs", "u-1", now=1_700_000_000)
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, KEY, algorithms=["HS256"], audience="https://demo.service.signalr.net/client/?hub=jobs",
                        options={"verify_exp": False})
    assert claims["nameid"] == "u-1"
    assert claims["exp"] - claims["iat"] == CLIENT_TOKEN_SECONDS and claims["iat"] == 1_700_000_000
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "another-key-of-the-same-length-0123456789ab", algorithms=["HS256"],
                   options={"verify_aud": False, "verify_exp": False})
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(token, KEY, algorithms=["HS256"], audience=conn.client_url("other"), options={"verify_exp": False})


def test_server_token_audience_is_the_request_url_without_query() -> None:
    conn = SignalRConnection.parse(AZURE)
    url = conn.api_url("hubs/jobs/groups/job.x/users/u-1") + "?ttl=60"
    claims = jwt.decode(server_token(conn, url), KEY, algorithms=["HS256"],
                        audience="https://demo.service.signalr.net/api/v1/hubs/jobs/groups/job.x/users/u-1")
    assert "nameid" not in claims and claims["exp"] > claims["iat"]


def test_negotiate_redirect_is_the_documented_shape(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    body = negotiate_redirect(SignalRConnection.parse(AZURE), "jobs", "u-2").to_json()
    assert set(body) == {"url", "accessToken"}
    assert body["url"] == "https://demo.service.signalr.net/client/?hub=jobs"
    assert jwt.decode(body["accessToken"], KEY, algorithms=["HS256"], audience=body["url"])["nameid"] == "u-2"
    assert KEY not in caplog.text


def test_the_rest_client_signs_a_server_token_once_per_url_until_it_nears_expiry(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.realtime import service_api

    api = service_api.SignalRServiceApi(SignalRConnection.parse(AZURE), "jobs")
    clock = [1000.0]
    monkeypatch.setattr(service_api.time, "monotonic", lambda: clock[0])   # the module's clock only for reuse
    group = api.conn.api_url("hubs/jobs/groups/job.a")
    first = api._token(group)
    assert api._token(group) == first and api._token(group + "?ttl=5") == first   # aud ignores the query
    other = api._token(api.conn.api_url("hubs/jobs/groups/job.b"))
    claims = jwt.decode(other, KEY, algorithms=["HS256"], audience=api.conn.api_url("hubs/jobs/groups/job.b"))
    assert claims["exp"] - claims["iat"] == service_api.SERVER_TOKEN_SECONDS
    clock[0] += service_api.TOKEN_REUSE_SECONDS + 1   # under a minute of its life left: signed again
    monkeypatch.setattr(service_api, "server_token",
                        lambda conn, url: server_token(conn, url, now=time.time() + 1))
    assert api._token(group) != first
