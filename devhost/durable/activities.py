"""Runs an app activity the way the Functions worker does: input bound by parameter name, async awaited."""
from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

from durabletask import task as dt

from devhost.invocations import invocation


def activity_for(name: str, user_function: Callable[..., Any],
                 input_name: str) -> Callable[[dt.ActivityContext, Any], Any]:
    """The durabletask activity for one app activity; payloads are already decoded/encoded by the converter."""
    is_async = inspect.iscoroutinefunction(user_function)

    def run(context: dt.ActivityContext, payload: Any) -> Any:
        with invocation(name, f"ActivityTrigger {context.orchestration_id}#{context.task_id}"):
            if is_async:
                # Activities run on durabletask's worker threads, each without an event loop of its own.
                return asyncio.run(user_function(**{input_name: payload}))
            return user_function(**{input_name: payload})

    run.__name__ = name
    return run
