"""Runs an app activity the way the Functions worker does: input bound by parameter name, async awaited, and a
durable client for an activity that declares the `durableClient` input binding (to raise events, start or query
other orchestrations, as an activity may in Azure)."""
from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

from durabletask import task as dt

from devhost.invocations import invocation

# invocation id -> the durable client handed to the function (the host's, with its keys and base URL).
ClientFactory = Callable[[str], Any]


def activity_for(name: str, user_function: Callable[..., Any], input_name: str, client_name: str | None = None,
                 client_factory: Callable[[], ClientFactory | None] | None = None,
                 ) -> Callable[[dt.ActivityContext, Any], Any]:
    """The durabletask activity for one app activity; payloads are already decoded/encoded by the converter.

    With `client_name`, DF's `durable_client_input` wrapper (which parses the JSON string the Azure worker passes)
    is bypassed for the function it wraps, which gets the local client itself, as HTTP, queue and timer functions
    do. `client_factory` is read at call time: the host sets it once its address is known."""
    target = getattr(user_function, "client_function", user_function) if client_name else user_function
    is_async = inspect.iscoroutinefunction(target)

    def run(context: dt.ActivityContext, payload: Any) -> Any:
        with invocation(name, f"ActivityTrigger {context.orchestration_id}#{context.task_id}") as inv:
            kwargs: dict[str, Any] = {input_name: payload}
            if client_name:
                factory = client_factory() if client_factory is not None else None
                if factory is None:
                    raise RuntimeError(f"{name}: a durableClient binding needs the host's durable client")
                kwargs[client_name] = factory(inv.invocation_id)
            if is_async:
                # Activities run on durabletask's worker threads, each without an event loop of its own.
                return asyncio.run(target(**kwargs))
            return target(**kwargs)

    run.__name__ = name
    return run
