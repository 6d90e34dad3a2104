"""The Servers page (Hangfire's "Servers"): which host instances are alive, since when, at which version, with
which concurrency limits, and what they are working on.

Each instance records a heartbeat in the application database (a timer every 30 s, and the instance that answers
`GET /api/v1/servers`), because the Functions runtime gives an app no list of its siblings. An instance whose last
heartbeat is older than `STALE_AFTER` is shown as stale (scaled in, or stopped). The limits are read from this
app's `host.json`, the same file the host applies.
"""
from __future__ import annotations

import json
import os
import platform
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from shared import settings
from shared.storage.db import Database

HOST_JSON = Path(__file__).resolve().parents[2] / "host.json"
STALE_AFTER = timedelta(seconds=90)
STARTED_AT = datetime.now(timezone.utc)


@dataclass(frozen=True)
class Server:
    instance_id: str
    host_name: str
    version: str
    started_at: str
    heartbeat_at: str
    state: str   # Running | Stale

    def to_json(self) -> dict[str, Any]:
        return {"instanceId": self.instance_id, "hostName": self.host_name, "version": self.version,
                "startedAt": self.started_at, "heartbeatAt": self.heartbeat_at, "state": self.state}


def instance_id() -> str:
    """Azure's instance id when there is one (`WEBSITE_INSTANCE_ID`), else host name and process id."""
    return settings.platform_instance_id() or f"{socket.gethostname()}:{os.getpid()}"


def version() -> str:
    parts = [f"Python {platform.python_version()}"]
    for package in ("azure-functions", "azure-functions-durable"):
        try:
            parts.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(parts)


def heartbeat(db: Database, now: datetime) -> None:
    """Record that this instance is alive (an upsert keyed by instance id: safe to repeat)."""
    me, at = instance_id(), now.isoformat()
    with db.transaction():
        updated = db.execute("UPDATE host_heartbeats SET heartbeat_at = ?, version = ? WHERE instance_id = ?",
                             (at, version(), me))
        if not updated:
            db.execute("INSERT INTO host_heartbeats (instance_id, host_name, version, started_at, heartbeat_at) "
                       "VALUES (?, ?, ?, ?, ?)",
                       (me, settings.platform_host_name() or socket.gethostname(), version(),
                        STARTED_AT.isoformat(), at))


def servers(db: Database, now: datetime, keep: timedelta = timedelta(days=1)) -> list[Server]:
    """Instances seen within `keep`, newest heartbeat first."""
    rows = db.query("SELECT * FROM host_heartbeats WHERE heartbeat_at >= ? ORDER BY heartbeat_at DESC",
                    ((now - keep).isoformat(),))
    result = []
    for r in rows:
        seen = datetime.fromisoformat(r["heartbeat_at"])
        state = "Running" if now - seen <= STALE_AFTER else "Stale"
        result.append(Server(r["instance_id"], r["host_name"], r["version"], r["started_at"], r["heartbeat_at"],
                             state))
    return result


def limits(host_json: Path = HOST_JSON) -> dict[str, Any]:
    """The concurrency and queue settings the host applies (None: the extension's default)."""
    config = json.loads(host_json.read_text(encoding="utf-8"))
    extensions = config.get("extensions") or {}
    durable = extensions.get("durableTask") or {}
    queues = extensions.get("queues") or {}
    return {"maxConcurrentActivityFunctions": durable.get("maxConcurrentActivityFunctions"),
            "maxConcurrentOrchestratorFunctions": durable.get("maxConcurrentOrchestratorFunctions"),
            "queueBatchSize": queues.get("batchSize"), "queueNewBatchThreshold": queues.get("newBatchThreshold"),
            "queueMaxDequeueCount": queues.get("maxDequeueCount"), "functionTimeout": config.get("functionTimeout"),
            "hubName": durable.get("hubName")}
