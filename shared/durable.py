"""The narrow view of the Durable Functions client that the product services use.

Services take these Protocols instead of `azure.durable_functions.DurableOrchestrationClient`, so `shared/` has no
Azure import, tests can pass the local host's client, and a reader sees which engine calls a use case makes. The
signatures are the real client's (azure-functions-durable `DurableOrchestrationClient`).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Protocol

# The engine's runtime statuses in which an instance will still make progress.
LIVE_RUNTIME_STATUSES = frozenset({"Running", "Pending", "ContinuedAsNew"})


class InstanceStatus(Protocol):
    """What the services read of a `DurableOrchestrationStatus`."""

    @property
    def runtime_status(self) -> Any: ...   # an Enum with `.value`, or None when the instance does not exist

    @property
    def custom_status(self) -> Any: ...


class StatusReader(Protocol):
    async def get_status(self, instance_id: str, show_history: bool = False, show_history_output: bool = False,
                         show_input: bool = False) -> Any: ...


class Starter(StatusReader, Protocol):
    async def start_new(self, orchestration_function_name: str, instance_id: str | None = None,
                        client_input: Any | None = None) -> str: ...


class EventRaiser(Protocol):
    async def raise_event(self, instance_id: str, event_name: str, event_data: Any = None) -> None: ...


class Controller(Starter, EventRaiser, Protocol):
    async def terminate(self, instance_id: str, reason: str) -> None: ...


class Purger(StatusReader, Protocol):
    async def purge_instance_history(self, instance_id: str) -> Any: ...


def utc_time(value: Any) -> datetime | None:
    """An engine or row timestamp (ISO text, `Z` or an offset or naive UTC, or a datetime) as an aware UTC datetime;
    None for anything else. The watchdogs compare `lastUpdatedTime`, rows' `updated_at` and custom-status times."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def runtime_name(status: Any) -> str | None:
    """The runtime status of a `get_status` answer as text; None when the engine does not know the instance (the
    real client answers a 404 with an object whose fields are all None)."""
    runtime = getattr(status, "runtime_status", None) if status is not None else None
    if runtime is None:
        return None
    return str(getattr(runtime, "value", runtime))


async def instance_alive(client: StatusReader, instance_id: str | None) -> bool | None:
    """True running/pending, False gone or finished, None when the status cannot be read (engine unreachable)."""
    if not instance_id:
        return False
    try:
        status = await client.get_status(instance_id)
    except Exception:  # noqa: BLE001 - unknown is an answer here: callers then leave the row as it is
        return None
    return runtime_name(status) in LIVE_RUNTIME_STATUSES
