"""Calling one user function the way the Python worker does: bind parameters by binding name, run sync code in a
thread pool, and flush output bindings (queue) only when the function succeeded.
"""
from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable

import azure.functions as func
from azure.functions import _abc as func_abc

from devhost.discovery import FunctionInfo

QueueSender = Callable[[dict[str, Any], list[Any]], Awaitable[None]]


class _Out(func.Out):
    """The worker's `func.Out[T]` holder for an output binding."""

    def __init__(self) -> None:
        self._value: Any = None

    def set(self, val: Any) -> None:
        self._value = val

    def get(self) -> Any:
        return self._value


class _TraceContext(func_abc.TraceContext):
    def __init__(self) -> None:
        pass

    @property
    def trace_state(self) -> str:
        return ""

    @property
    def trace_parent(self) -> str:
        return ""

    @property
    def attributes(self) -> dict[str, str]:
        return {}


class _RetryContext(func_abc.RetryContext):
    @property
    def retry_count(self) -> int:
        return 0

    @property
    def max_retry_count(self) -> int:
        return 0

    @property
    def exception(self) -> Any:
        return None


class InvocationContext(func.Context):
    """What a `context: func.Context` parameter receives."""

    _local = threading.local

    def __init__(self, invocation_id: str, function_name: str, function_directory: str) -> None:
        self._invocation_id = invocation_id
        self._function_name = function_name
        self._function_directory = function_directory

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def thread_local_storage(self) -> type[threading.local]:
        return threading.local

    @property
    def function_name(self) -> str:
        return self._function_name

    @property
    def function_directory(self) -> str:
        return self._function_directory

    @property
    def trace_context(self) -> func_abc.TraceContext:
        return _TraceContext()

    @property
    def retry_context(self) -> func_abc.RetryContext:
        return _RetryContext()


class Invoker:
    """One thread pool for every sync function, sized like the worker's default (min(32, cpus + 4))."""

    def __init__(self, app_dir: str, send_to_queue: QueueSender | None = None) -> None:
        workers = int(os.environ.get("PYTHON_THREADPOOL_THREAD_COUNT") or min(32, (os.cpu_count() or 1) + 4))
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="devhost-fn")
        self.app_dir = app_dir
        self.send_to_queue = send_to_queue

    async def call(self, info: FunctionInfo, inputs: dict[str, Any], invocation_id: str) -> Any:
        """`inputs` maps binding names to values (trigger, durable client); the rest is filled here."""
        target = info.user_function
        if "durableClient" in {b["type"] for b in info.bindings}:
            # DF's decorator wraps the function to parse a JSON client string; the local client is already rich.
            target = getattr(target, "client_function", target)
        kwargs = dict(inputs)
        outs: dict[str, _Out] = {}
        for binding in info.bindings:
            if binding["direction"] == "out" and binding["name"] != "$return" and binding["name"] in info.parameters:
                outs[binding["name"]] = kwargs[binding["name"]] = _Out()
        if "context" in info.parameters and "context" not in kwargs:
            kwargs["context"] = InvocationContext(invocation_id, info.name, self.app_dir)
        kwargs = {k: v for k, v in kwargs.items() if k in info.parameters} if info.parameters else kwargs
        if asyncio.iscoroutinefunction(target):
            result = await target(**kwargs)
        else:
            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(self.executor, lambda: target(**kwargs))
        await self._flush_outputs(info, outs, result)
        return result

    async def _flush_outputs(self, info: FunctionInfo, outs: dict[str, _Out], result: Any) -> None:
        for binding in info.bindings:
            if binding["direction"] != "out" or binding["type"] != "queue":
                continue
            value = result if binding["name"] == "$return" else outs.get(binding["name"], _Out()).get()
            if value is None:
                continue
            if self.send_to_queue is None:
                raise RuntimeError(f"{info.name}: queue output binding needs storage")
            await self.send_to_queue(binding, value if isinstance(value, list) else [value])

    def shutdown(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
