"""A job's durable history, compacted for the detail view."""
from __future__ import annotations

from typing import Any


def compact_history(events: list[dict[str, Any]] | None, limit: int = 100) -> dict[str, Any] | None:
    """The last `limit` history events as `{eventType, timestamp, functionName, scheduledTime,
    orchestrationStatus}` (the documented showHistory fields): enough to draw a job's timeline and the Gantt chart of
    its activities (a completion carries when it was scheduled), without outputs (which may be large)."""
    if events is None:
        return None

    def field(event: dict[str, Any], name: str) -> Any:
        return event.get(name) or event.get(name[0].lower() + name[1:])

    rows = [{"eventType": field(e, "EventType"), "timestamp": field(e, "Timestamp"),
             "functionName": field(e, "FunctionName"), "scheduledTime": field(e, "ScheduledTime"),
             "orchestrationStatus": field(e, "OrchestrationStatus")}
            for e in events if isinstance(e, dict)]
    return {"total": len(rows), "events": rows[-limit:]}
