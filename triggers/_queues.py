"""Sending to the app's storage queues with a bounded wait (the SDK's default policy retries for over a minute).

The Azure side of the queues, beside `_http.py`: `shared/` stays free of Azure imports, and both a trigger (the
webhook endpoint) and an activity (the scan→act hand-over) send through here. Bodies are base64 encoded, as the
Functions host's queue trigger expects by default.

One client per (connection, queue) is kept for the process (the SDK's clients are thread-safe and keep their
connections): a webhook burst sends one message per repository, and a fresh client per message paid a new
connection plus a `create_queue` round trip each time. The queue is created once; a queue that disappeared
(storage reset) is created again and the send retried once.
"""
from __future__ import annotations

import base64
import threading
from typing import Any

from shared import settings

_clients: dict[tuple[str, str], Any] = {}
_lock = threading.Lock()


def _client(connection: str, queue: str) -> Any:
    from azure.storage.queue import LinearRetry, QueueClient

    with _lock:
        client = _clients.get((connection, queue))
        if client is None:
            client = QueueClient.from_connection_string(
                connection, queue, retry_policy=LinearRetry(backoff=1, retry_total=1, random_jitter_range=0),
                connection_timeout=5, read_timeout=10)
            _create(client)
            _clients[(connection, queue)] = client
        return client


def _create(client: Any) -> None:
    try:
        client.create_queue()
    except Exception:  # noqa: BLE001 - exists already (or storage is down: the send says so)
        pass


def send_message(queue: str, body: str, delay_seconds: int = 0) -> None:
    from azure.core.exceptions import ResourceNotFoundError

    connection = settings.storage_connection()
    client = _client(connection, queue)
    content = base64.b64encode(body.encode()).decode("ascii")
    try:
        client.send_message(content, visibility_timeout=delay_seconds or None)
    except ResourceNotFoundError:  # the queue went away (storage reset): create it again, send once more
        _create(client)
        client.send_message(content, visibility_timeout=delay_seconds or None)
    except Exception:
        with _lock:  # a broken connection must not stick to the next send
            if _clients.get((connection, queue)) is client:
                del _clients[(connection, queue)]
        raise
