"""Queue triggers against Azure Storage queues (Azurite locally), with the host's retry and poison rules.

As in the WebJobs queue listener: messages are fetched in batches of `batchSize` and a new batch is fetched once
no more than `newBatchThreshold` are still running; an empty queue backs polling off exponentially up to
`maxPollingInterval`; a failed message becomes visible again after `visibilityTimeout`; once a message has been
dequeued `maxDequeueCount` times and fails again it moves to `<queue>-poison`. Bodies are base64 on the wire (the
host's default `messageEncoding`), and a message that is not valid base64 is read as plain text.
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
from typing import Any, Awaitable, Callable
from urllib.parse import urlsplit

import azure.functions as func
from azure.core.exceptions import AzureError, ResourceExistsError, ResourceNotFoundError
from azure.functions.queue import QueueMessage as FunctionQueueMessage
from azure.storage.queue.aio import QueueClient

from devhost.discovery import FunctionInfo
from devhost.settings import QueueOptions, storage_connection_string

log = logging.getLogger("devhost.queues")
logging.getLogger("azure").setLevel(logging.WARNING)

INITIAL_POLL_SECONDS = 0.1
PROCESSING_VISIBILITY_SECONDS = 600  # the host hides a message for 10 minutes while it runs

Invoke = Callable[[FunctionInfo, dict[str, Any], str], Awaitable[Any]]


def decode_body(content: str | bytes) -> bytes:
    if isinstance(content, bytes):
        content = content.decode("utf-8")
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        return content.encode("utf-8")


def encode_body(value: Any) -> str:
    """What an output binding writes: str as UTF-8, bytes as is, anything else as JSON; then base64."""
    if isinstance(value, func.QueueMessage):
        value = value.get_body()
    if isinstance(value, bytes):
        raw = value
    elif isinstance(value, str):
        raw = value.encode("utf-8")
    else:
        raw = json.dumps(value).encode("utf-8")
    return base64.b64encode(raw).decode("ascii")


def queue_endpoint(connection_setting: str | None) -> tuple[str, int]:
    """host and port of the queue service, for the start-up reachability check (no secret involved)."""
    conn = storage_connection_string(connection_setting)
    parts = dict(p.split("=", 1) for p in conn.split(";") if "=" in p)
    endpoint = parts.get("QueueEndpoint")
    if endpoint:
        url = urlsplit(endpoint)
        return url.hostname or "127.0.0.1", url.port or (443 if url.scheme == "https" else 80)
    account = parts.get("AccountName", "")
    suffix = parts.get("EndpointSuffix", "core.windows.net")
    return f"{account}.queue.{suffix}", 443


def _client(connection_setting: str | None, queue_name: str) -> QueueClient:
    return QueueClient.from_connection_string(storage_connection_string(connection_setting), queue_name)


async def _ensure_queue(client: QueueClient) -> None:
    try:
        await client.create_queue()
    except ResourceExistsError:
        pass


class QueueSender:
    """Output bindings: one client per (connection, queue), created on first use."""

    def __init__(self) -> None:
        self._clients: dict[tuple[str, str], QueueClient] = {}

    async def __call__(self, binding: dict[str, Any], values: list[Any]) -> None:
        key = (binding.get("connection") or "AzureWebJobsStorage", binding["queueName"])
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = _client(key[0], key[1])
            await _ensure_queue(client)
        for value in values:
            await client.send_message(encode_body(value))

    async def close(self) -> None:
        for client in self._clients.values():
            await client.close()


class QueueListener:
    def __init__(self, info: FunctionInfo, options: QueueOptions, invoke: Invoke) -> None:
        self.info = info
        self.options = options
        self.invoke = invoke
        self.queue_name = info.trigger["queueName"]
        self.connection = info.trigger.get("connection") or "AzureWebJobsStorage"

    async def run(self, stopping: asyncio.Event) -> None:
        client = _client(self.connection, self.queue_name)
        poison = _client(self.connection, f"{self.queue_name}-poison")
        running: set[asyncio.Task[None]] = set()
        delay = INITIAL_POLL_SECONDS
        try:
            await _ensure_queue(client)
            while not stopping.is_set():
                if len(running) > self.options.new_batch_threshold:
                    await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                    continue
                try:
                    batch = [m async for m in client.receive_messages(
                        messages_per_page=self.options.batch_size, max_messages=self.options.batch_size,
                        visibility_timeout=PROCESSING_VISIBILITY_SECONDS)]
                except ResourceNotFoundError:
                    await _ensure_queue(client)
                    batch = []
                except (AzureError, OSError) as exc:
                    log.warning("queue %r: polling failed (%s); retrying", self.queue_name, type(exc).__name__)
                    batch = []
                if not batch:
                    await _sleep_unless(stopping, delay)
                    delay = min(delay * 2, self.options.max_polling_interval)
                    continue
                delay = INITIAL_POLL_SECONDS
                for message in batch:
                    task = asyncio.create_task(self._process_logged(client, poison, message))
                    running.add(task)
                    task.add_done_callback(running.discard)
            if running:  # the host's shutdown grace period bounds this wait
                await asyncio.gather(*running, return_exceptions=True)
        finally:
            await client.close()
            await poison.close()

    async def _process_logged(self, client: QueueClient, poison: QueueClient, message: Any) -> None:
        try:
            await self._process(client, poison, message)
        except Exception:  # noqa: BLE001 - one broken message must not stop the listener
            log.exception("queue %r: message %s could not be handled", self.queue_name, message.id)

    async def _process(self, client: QueueClient, poison: QueueClient, message: Any) -> None:
        if message.dequeue_count > self.options.max_dequeue_count:
            await self._to_poison(client, poison, message)
            return
        queue_message = FunctionQueueMessage(
            id=message.id, body=decode_body(message.content), dequeue_count=message.dequeue_count,
            expiration_time=message.expires_on, insertion_time=message.inserted_on,
            time_next_visible=message.next_visible_on, pop_receipt=message.pop_receipt)
        try:
            await self.invoke(self.info, {self.info.trigger["name"]: queue_message},
                              f"New queue message detected on '{self.queue_name}'.")
        except Exception:  # noqa: BLE001 - the invocation log already has the traceback
            try:
                if message.dequeue_count >= self.options.max_dequeue_count:
                    await self._to_poison(client, poison, message)
                else:
                    await client.update_message(message, pop_receipt=message.pop_receipt,
                                                visibility_timeout=int(self.options.visibility_timeout))
            except AzureError as exc:
                log.warning("queue %r: could not release message %s (%s)", self.queue_name, message.id, exc)
            return
        try:
            await client.delete_message(message, pop_receipt=message.pop_receipt)
        except AzureError as exc:
            log.warning("queue %r: could not delete message %s (%s)", self.queue_name, message.id, exc)

    async def _to_poison(self, client: QueueClient, poison: QueueClient, message: Any) -> None:
        await _ensure_queue(poison)
        await poison.send_message(message.content)
        await client.delete_message(message, pop_receipt=message.pop_receipt)
        log.warning("Message has reached MaxDequeueCount of %d. Moving message to queue '%s-poison'.",
                    self.options.max_dequeue_count, self.queue_name)


async def _sleep_unless(stopping: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stopping.wait(), timeout=seconds)
    except asyncio.TimeoutError:
        pass
