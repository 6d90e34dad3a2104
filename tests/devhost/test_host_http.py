"""HTTP triggers on the real local host (subprocess) running `tests/devhost_app`: routing, auth, errors, and the
durable client handed to an HTTP starter."""
from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests

from tests.support.local_host import LocalHost
from tests.support.waiting import HANG_GUARD_S

APP = "tests.devhost_app.function_app:app"


@pytest.fixture(scope="module")
def host(local_host) -> Iterator[LocalHost]:
    started = local_host(app=APP, env={"DEVHOST_TEST_WORK_QUEUE": "http-work", "DEVHOST_TEST_FAIL_QUEUE": "http-fail"})
    yield started
    started.stop()


def test_route_parameters_query_headers_and_body_reach_the_function(host: LocalHost) -> None:
    response = requests.post(host.url("/api/echo/42?color=blue"), json={"a": [1, 2]},
                             headers={"x-functions-key": host.function_key, "x-test": "header-value"})
    assert response.status_code == 200
    assert response.headers["x-echo"] == "yes"
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"id": "42", "method": "POST", "query": {"color": "blue"},
                               "header": "header-value", "body": {"a": [1, 2]}}


def test_route_constraint_and_literal_precedence(host: LocalHost) -> None:
    assert requests.get(host.url("/api/echo/latest")).text == "latest"        # literal beats {id:int}
    not_int = requests.get(host.url("/api/echo/abc"), headers={"x-functions-key": host.function_key})
    assert not_int.status_code == 404                                           # {id:int} refuses "abc"


def test_optional_route_parameter(host: LocalHost) -> None:
    with_name = requests.get(host.url("/api/items/a%20b"))
    assert (with_name.status_code, with_name.text) == (201, "a b")
    assert requests.get(host.url("/api/items")).text == "<none>"


def _problem(response: requests.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


@pytest.mark.parametrize("path", ["/api/nothing-here", "/elsewhere", "/api/echo/1%0A", "/api/%0A",
                                  "/runtime/webhooks/durabletask/nothing", "/admin/nothing"])
def test_unknown_paths_are_404_problem_json(host: LocalHost, path: str) -> None:
    _problem(requests.get(host.url(path), headers={"x-functions-key": host.master_key}), 404)


def test_wrong_method_is_404_like_the_real_host_with_the_methods_named(host: LocalHost) -> None:
    """The real host's routing treats methods as a route constraint: 404, not 405 (azure-functions-host#10098)."""
    body = _problem(requests.delete(host.url("/api/echo/latest")), 404)
    assert body["allowedMethods"] == ["GET"]
    _problem(requests.put(host.url("/admin/host/status")), 404)   # a fixed host route, aiohttp's own 405 before


def test_body_over_the_default_limit_is_413_problem_json_with_or_without_content_length(host: LocalHost) -> None:
    size = 100 * 1024 * 1024 + 1   # the real host's default FUNCTIONS_REQUEST_BODY_SIZE_LIMIT, plus one byte
    sized = requests.post(host.url("/api/echo/1"), data=b"x" * size, headers={"x-functions-key": host.function_key})
    assert _problem(sized, 413)["limit"] == size - 1

    def chunks() -> Iterator[bytes]:
        block = b"y" * (1024 * 1024)
        for _ in range(101):
            yield block
    streamed = requests.post(host.url("/api/echo/1"), data=chunks(), headers={"x-functions-key": host.function_key})
    _problem(streamed, 413)
    assert requests.get(host.url("/api/echo/1"), headers={"x-functions-key": host.function_key}).status_code == 200


@pytest.mark.parametrize("key", [None, "wrong-key"])
def test_function_level_refuses_missing_or_wrong_key(host: LocalHost, key: str | None) -> None:
    headers = {"x-functions-key": key} if key else {}
    assert requests.get(host.url("/api/echo/1"), headers=headers).status_code == 401
    assert requests.get(host.url("/api/echo/1"), params={"code": key} if key else None).status_code == 401


def test_function_level_takes_function_or_master_key_in_header_or_code(host: LocalHost) -> None:
    assert requests.get(host.url("/api/echo/1"), headers={"x-functions-key": host.function_key}).status_code == 200
    assert requests.get(host.url("/api/echo/1"), params={"code": host.function_key}).status_code == 200
    assert requests.get(host.url("/api/echo/1"), params={"code": host.master_key}).status_code == 200


def test_admin_level_takes_only_the_master_key(host: LocalHost) -> None:
    assert requests.get(host.url("/api/admin-only"), params={"code": host.function_key}).status_code == 401
    assert requests.get(host.url("/api/admin-only"), headers={"x-functions-key": host.master_key}).text == "admin ok"


def test_failing_function_gives_500_with_invocation_id_and_traceback_only_in_log(host: LocalHost) -> None:
    response = requests.get(host.url("/api/boom"))
    assert response.status_code == 500
    body = response.json()
    invocation_id = body["invocationId"]
    assert "secret-detail-do-not-leak" not in response.text
    assert "Traceback" not in response.text and "RuntimeError" not in response.text
    deadline = time.monotonic() + HANG_GUARD_S
    while "secret-detail-do-not-leak" not in host.log_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    log = host.log_text()
    assert f"Executed 'Functions.boom' (Failed, Id={invocation_id}" in log
    assert "RuntimeError: secret-detail-do-not-leak" in log


def test_every_invocation_is_logged_like_the_functions_host(host: LocalHost) -> None:
    requests.get(host.url("/api/echo/latest"))
    log = host.log_text()
    assert "Executing 'Functions.http_echo_latest' (Reason=" in log
    assert "Executed 'Functions.http_echo_latest' (Succeeded, Id=" in log


def test_host_status_answers(host: LocalHost) -> None:
    status = requests.get(host.url("/admin/host/status")).json()
    assert status["state"] == "Running"
    assert "http_echo" in status["functions"]


def test_durable_starter_returns_check_status_urls_that_work_until_completed(host: LocalHost) -> None:
    started = requests.post(host.url("/api/start/host_hello_orchestrator"), json="bob")
    assert started.status_code == 202, started.text
    links = started.json()
    status_url = links["statusQueryGetUri"]
    assert status_url.startswith(host.base_url + "/runtime/webhooks/durabletask/instances/")
    assert "code=" in status_url and started.headers["Location"] == status_url
    assert host.function_key not in status_url and host.master_key not in status_url
    deadline = time.monotonic() + HANG_GUARD_S
    while True:
        status = requests.get(status_url)
        assert status.status_code in (200, 202), status.text
        if status.json()["runtimeStatus"] == "Completed" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert status.json()["runtimeStatus"] == "Completed"
    assert status.json()["output"] == "hello bob"
    assert status.json()["instanceId"] == links["id"]


def test_durable_management_api_needs_a_key(host: LocalHost) -> None:
    started = requests.post(host.url("/api/start/host_hello_orchestrator"), json="ann").json()
    bare = started["statusQueryGetUri"].split("?")[0]
    assert requests.get(bare).status_code == 401
    assert requests.get(bare, params={"code": "wrong"}).status_code == 401
    assert requests.get(bare, headers={"x-functions-key": host.master_key}).status_code in (200, 202)


def test_entity_http_api_signals_reads_and_lists(host: LocalHost) -> None:
    """The extension's /entities routes: POST ?op= signals (202), GET reads the state (404 before it exists)."""
    base = host.url("/runtime/webhooks/durabletask/entities/df_counter_entity")
    key = {"x-functions-key": host.master_key}
    assert requests.get(f"{base}/over-http", headers=key).status_code == 404
    assert requests.post(f"{base}/over-http", params={"op": "add"}, json=5, headers=key).status_code == 202
    assert requests.post(f"{base}/over-http", params={"op": "add"}, json=6, headers=key).status_code == 202
    deadline = time.monotonic() + HANG_GUARD_S
    while True:
        state = requests.get(f"{base}/over-http", headers=key)
        if state.status_code == 200 and state.json() == 11 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert (state.status_code, state.json()) == (200, 11)
    listed = requests.get(base, params={"fetchState": "true"}, headers=key)
    assert listed.status_code == 200
    assert {"entityId": {"name": "df_counter_entity", "key": "over-http"}, "state": 11} in \
        [{k: v for k, v in row.items() if k != "lastOperationTime"} for row in listed.json()]
    unknown = requests.post(host.url("/runtime/webhooks/durabletask/entities/nope/k"), params={"op": "x"},
                            headers=key)
    assert unknown.status_code == 404
    assert requests.get(f"{base}/over-http").status_code == 401   # the management API needs a key
