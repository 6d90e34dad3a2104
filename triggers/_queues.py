"""Sending to the app's storage queues with a bounded wait (the SDK's default policy retries for over a minute).

The Azure side of the queues, beside `_http.py`: `shared/` stays free of Azure imports, and both a trigger (the
webhook endpoint) and an activity (the scan→act hand-over) send through here. Bodies are base64 encoded, as the
Functions host's queue trigger expects by default.
"""
from __future__ import annotations

import base64

from shared import settings


def send_message(queue: str, body: str, delay_seconds: int = 0) -> None:
    from azure.storage.queue import LinearRetry, QueueClient

    client = QueueClient.from_connection_string(
        settings.storage_connection(), queue,
        retry_policy=LinearRetry(backoff=1, retry_total=1, random_jitter_range=0), connection_timeout=5,
        read_timeout=10)
    try:
        try:
            client.create_queue()
        except Exception:  # noqa: BLE001 - exists already
            pass
        client.send_message(base64.b64encode(body.encode()).decode("ascii"),
                            visibility_timeout=delay_seconds or None)
    finally:
        client.close()
