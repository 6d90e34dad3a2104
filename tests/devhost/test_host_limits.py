"""The request body limit is enforced while the body streams in: with `FUNCTIONS_REQUEST_BODY_SIZE_LIMIT` at 1 MiB
(the setting the real host reads), 95 MB bodies are refused with 413 problem+json and never held in memory."""
from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest
import requests

from tests.support.local_host import LocalHost

APP = "tests.devhost_app.function_app:app"
LIMIT = 1024 * 1024
BIG = 95 * 1024 * 1024


@pytest.fixture(scope="module")
def host(local_host) -> Iterator[LocalHost]:
    started = local_host(app=APP, env={"DEVHOST_TEST_WORK_QUEUE": "limits-work",
                                       "DEVHOST_TEST_FAIL_QUEUE": "limits-fail",
                                       "FUNCTIONS_REQUEST_BODY_SIZE_LIMIT": str(LIMIT)})
    yield started
    started.stop()


def _post(host: LocalHost, data: object) -> requests.Response:
    return requests.post(host.url("/api/echo/1"), data=data, headers={"x-functions-key": host.function_key})


def test_a_body_at_the_limit_reaches_the_function_and_one_byte_more_does_not(host: LocalHost) -> None:
    at_limit = b"[" + b"1," * ((LIMIT - 3) // 2) + b"1]"
    assert len(at_limit) <= LIMIT
    assert _post(host, at_limit).status_code == 200
    over = _post(host, b" " * (LIMIT + 1))
    assert over.status_code == 413
    assert over.headers["content-type"].startswith("application/problem+json")
    assert over.json()["limit"] == LIMIT


def test_eight_concurrent_95_mb_bodies_are_refused_without_being_buffered(host: LocalHost) -> None:
    process = psutil.Process(host.process.pid)   # type: ignore[union-attr]
    before = process.memory_info().rss

    def chunked() -> Iterator[bytes]:   # no Content-Length: the host must count while reading
        block = b"z" * (1024 * 1024)
        for _ in range(BIG // len(block)):
            yield block

    sized = b"z" * BIG   # one buffer shared by the four sized requests (with Content-Length)

    def send(i: int) -> requests.Response:
        return _post(host, chunked() if i % 2 else sized)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(8)))
    after = process.memory_info().rss
    assert [a.status_code for a in answers] == [413] * 8
    assert all(a.json()["title"] == "Payload Too Large" for a in answers)
    # Buffering even one body would add 95 MB; refusing while streaming keeps the host near where it was.
    assert after - before < 40 * 1024 * 1024, (before, after)
    assert _post(host, b'{"still": "serving"}').json()["body"] == {"still": "serving"}
