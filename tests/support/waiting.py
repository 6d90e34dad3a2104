"""How long a test waits for something that must happen before calling it hung, and the one loop that waits.

Tests assert states and order, never how fast (that is `make bench`): a wait loop's deadline is only a hang guard,
set well above anything a loaded 2-core CI machine needs, and below pytest-timeout's 180 s so the failure names
what never happened instead of a bare timeout.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

HANG_GUARD_S = 120


def wait_for(condition: Callable[[], Any], what: str = "the condition", timeout: float = HANG_GUARD_S,
             every: float = 0.1) -> Any:
    """Poll `condition` until it returns something truthy, and return that; fail naming `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")
