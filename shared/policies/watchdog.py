"""The watchdog: a scan or act run whose orchestration makes no progress is reported, not left `Running`.

An engine can lose a completion (durabletask's in-memory backend dropped sub-orchestration completions after 30 s,
issue 7) and a worker can hang in a call; the orchestration then stays `Running` forever and a scan keeps the
singleton lock. Progress is the orchestration's own `lastUpdatedTime` (every completed activity, timer or custom
status moves it). Deliberate waits are not stalls: while the custom status says the run waits until a time
(a rate-limit reset, an archive grace period), the deadline starts from that time.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from shared.durable import utc_time

ALIVE = ("Running", "Pending", "ContinuedAsNew")
# Custom-status keys that hold "waiting on purpose until ..." (ISO times) in the policy orchestrators.
WAIT_KEYS = ("rateLimitedUntil", "graceUntil")


class StatusReader(Protocol):
    async def get_status(self, instance_id: str) -> Any: ...


@dataclass(frozen=True)
class InstanceView:
    """What reconcile needs of an orchestration: None for `exists` means the status could not be read."""

    exists: bool | None
    alive: bool = False
    runtime_status: str = ""
    last_updated: datetime | None = None
    custom_status: Mapping[str, Any] | None = None


async def observe(client: StatusReader, instance_id: str | None) -> InstanceView:
    if not instance_id:
        return InstanceView(exists=False)
    try:
        status = await client.get_status(instance_id)
    except Exception:  # noqa: BLE001 - the engine did not answer: decide nothing
        return InstanceView(exists=None)
    runtime = getattr(status, "runtime_status", None) if status else None
    if runtime is None:
        return InstanceView(exists=False)
    name = str(getattr(runtime, "name", runtime))
    custom = getattr(status, "custom_status", None)
    return InstanceView(exists=True, alive=name in ALIVE, runtime_status=name,
                        last_updated=utc_time(getattr(status, "last_updated_time", None)),
                        custom_status=custom if isinstance(custom, Mapping) else None)


def stall_reason(view: InstanceView, now: datetime, timeout: timedelta) -> str | None:
    """Why the run counts as stalled, or None while it is progressing (or waiting on purpose)."""
    if not view.alive or view.last_updated is None:
        return None
    deadline = view.last_updated + timeout
    custom = view.custom_status or {}
    for key in WAIT_KEYS:
        until = utc_time(custom.get(key))
        if until is not None:
            deadline = max(deadline, until + timeout)
    if now <= deadline:
        return None
    phase = str(custom.get("phase") or "unknown")
    return (f"stalled: the orchestration made no progress for {int(timeout.total_seconds())} s (phase '{phase}', "
            f"last update {view.last_updated.isoformat(timespec='seconds')}); it was stopped and can be started again")


MAX_CHILDREN_LOOKED_AT = 64


async def scan_stall_reason(client: StatusReader, scan_id: str, view: InstanceView, now: datetime,
                            timeout: timedelta) -> str | None:
    """`stall_reason` for a scan, which waits on batch sub-orchestrations (`<scanId>:batch:<n>`): the parent makes
    no progress while a batch works or waits out a rate limit, so the scan counts as stalled only when no batch of
    the current window is alive and progressing (a dropped child completion leaves the children finished and the
    parent waiting forever)."""
    reason = stall_reason(view, now, timeout)
    custom = view.custom_status or {}
    if reason is None or custom.get("phase") != "evaluating":
        return reason
    first, total = int(custom.get("batchesDone") or 0), int(custom.get("batchesTotal") or 0)
    for index in range(first, min(total, first + MAX_CHILDREN_LOOKED_AT)):
        child = await observe(client, f"{scan_id}:batch:{index}")
        if child.exists is None:
            return None  # cannot tell: decide nothing
        if child.exists is False:
            break  # the window ends here
        if child.alive and stall_reason(child, now, timeout) is None:
            return None
    return reason


# -- verdicts for reconcile (what a scan row should become, given its orchestrations) -----------------------------
LOST = "the orchestration no longer exists (the host restarted?); start a new scan or retry the act step"
NOT_PICKED_UP = ("the act request was not picked up (is the storage queue reachable?); retry the act step "
                 "(a late request is harmless: one act run per scan)")


class Terminator(StatusReader, Protocol):
    async def terminate(self, instance_id: str, reason: str) -> None: ...


@dataclass(frozen=True)
class Verdict:
    """The run is over: record `reason`; `alive` when the orchestration must be terminated first; `gone` when it no
    longer exists (nothing of it can still be writing, so its claims may be released at once)."""

    reason: str
    alive: bool = False
    gone: bool = False


async def scan_verdict(client: StatusReader, scan_id: str, now: datetime, timeout: timedelta) -> Verdict | None:
    view = await observe(client, scan_id)
    if view.exists is False:
        return Verdict(LOST, gone=True)
    if view.exists and not view.alive:
        return Verdict(f"the orchestration ended {view.runtime_status} without completing the scan")
    reason = await scan_stall_reason(client, scan_id, view, now, timeout) if view.exists else None
    return Verdict(reason, alive=True) if reason else None


async def act_verdict(client: StatusReader, act_id: str | None, act_status: str, now: datetime,
                      timeout: timedelta) -> Verdict | None:
    view = await observe(client, act_id)
    if view.exists is False:
        return Verdict(LOST if act_status == "Running" else NOT_PICKED_UP, gone=True)
    reason = stall_reason(view, now, timeout) if view.alive else None
    return Verdict(reason, alive=True) if reason else None


async def terminate_quietly(client: Terminator, instance_id: str, reason: str) -> None:
    try:
        await client.terminate(instance_id, reason)
    except Exception:  # noqa: BLE001 - gone meanwhile: the row is failed all the same
        pass
