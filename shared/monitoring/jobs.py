"""A job's durable history, compacted for the detail view."""
from __future__ import annotations

from typing import Any


def compact_history(events: list[dict[str, Any]] | None, limit: int = 100) -> dict[str, Any] | None:
    """The last `limit` history events as `{eventType, timestamp, functionName}`: enough to see where a job
    spent its time or failed, without outputs (which may be large)."""
    if events is None:
        return None
    rows = [{"eventType": e.get("EventType") or e.get("eventType"), "timestamp": e.get("Timestamp") or
             e.get("timestamp"), "functionName": e.get("FunctionName") or e.get("functionName")}
            for e in events if isinstance(e, dict)]
    return {"total": len(rows), "events": rows[-limit:]}
