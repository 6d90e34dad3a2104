"""Per-invocation log lines in the Functions host's own format.

The real host writes `Executing 'Functions.<name>' (Reason=..., Id=...)` and
`Executed 'Functions.<name>' (Succeeded|Failed, Id=..., Duration=Nms)`; operators grep for those, so every
trigger kind of the local host (HTTP, timer, queue, orchestrator, activity) goes through this one helper.
"""
from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

log = logging.getLogger("devhost.functions")


@dataclass
class Invocation:
    function_name: str
    reason: str
    invocation_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    outcome: str = "Succeeded"
    duration_ms: float = 0.0
    # Why a failure that raised no exception here failed (an orchestrator episode reports it in its response);
    # logged under the Executed line, as the real host logs the orchestrator's exception.
    error: str | None = None


@contextmanager
def invocation(function_name: str, reason: str, invocation_id: str | None = None) -> Iterator[Invocation]:
    """Log the start and the end of one function execution; the exception (if any) propagates unchanged."""
    inv = Invocation(function_name, reason, invocation_id or str(uuid.uuid4()))
    log.info("Executing 'Functions.%s' (Reason='%s', Id=%s)", function_name, reason, inv.invocation_id)
    started = time.perf_counter()
    try:
        yield inv
    except BaseException as exc:
        inv.outcome = "Failed"
        inv.duration_ms = (time.perf_counter() - started) * 1000
        log.error(
            "Executed 'Functions.%s' (Failed, Id=%s, Duration=%dms): %s",
            function_name, inv.invocation_id, inv.duration_ms, type(exc).__name__,
            exc_info=not isinstance(exc, (KeyboardInterrupt, SystemExit)),
        )
        raise
    inv.duration_ms = (time.perf_counter() - started) * 1000
    if inv.outcome == "Failed" and inv.error:
        log.error("Executed 'Functions.%s' (Failed, Id=%s, Duration=%dms)\n%s",
                  function_name, inv.invocation_id, inv.duration_ms, inv.error)
        return
    log.info("Executed 'Functions.%s' (%s, Id=%s, Duration=%dms)",
             function_name, inv.outcome, inv.invocation_id, inv.duration_ms)
