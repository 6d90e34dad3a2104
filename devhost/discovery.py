"""Find the app's functions from their bindings, the way the Functions host indexes a v2-model app.

Only `app.get_functions()` is used: whatever the decorators registered is what runs, so the local host cannot
drift from what Azure would run.
"""
from __future__ import annotations

import dis
import importlib
import importlib.util
import inspect
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType
from typing import Any, Callable

TRIGGER_KINDS = {"httpTrigger": "http", "timerTrigger": "timer", "queueTrigger": "queue",
                 "orchestrationTrigger": "durable", "activityTrigger": "durable", "entityTrigger": "durable"}


@dataclass
class FunctionInfo:
    name: str
    kind: str                      # http | timer | queue | durable | unsupported
    trigger: dict[str, Any]        # the trigger binding, as in function.json
    bindings: list[dict[str, Any]]
    user_function: Callable[..., Any]
    is_async: bool = False
    parameters: list[str] = field(default_factory=list)

    def bindings_of(self, binding_type: str, direction: str | None = None) -> list[dict[str, Any]]:
        return [b for b in self.bindings
                if b["type"] == binding_type and (direction is None or b["direction"] == direction)]


def _plain(value: Any) -> Any:
    """Binding dicts hold enums (AuthLevel, HttpMethod, BindingDirection); the host sees their JSON values."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "value") and not isinstance(value, (str, int, float, bool)):
        raw = value.value
        if isinstance(raw, int) and type(value).__name__ == "BindingDirection":
            return {0: "in", 1: "out", 2: "inout"}.get(raw, str(raw))
        return raw
    return value


_SETTING = re.compile(r"%([^%\s]+)%")


def resolve_settings(binding: dict[str, Any], function_name: str = "?") -> dict[str, Any]:
    """`%NAME%` in a binding property is an app-setting reference (the host's INameResolver), resolved when the host
    indexes the function: queue names, timer schedules, anything but the binding's name/type/direction. A setting
    that is missing or empty stops the start, as the real host's indexing error does."""
    resolved = dict(binding)
    for key, value in binding.items():
        if key in ("name", "type", "direction") or not isinstance(value, str):
            continue

        def lookup(match: re.Match[str], key: str = key) -> str:
            setting = match.group(1)
            if not os.environ.get(setting):
                raise KeyError(f"Error indexing method 'Functions.{function_name}': binding property {key!r}: "
                               f"'%{setting}%' does not resolve to a value (set app setting {setting!r} in "
                               "local.settings.json Values or the environment)")
            return os.environ[setting]

        resolved[key] = _SETTING.sub(lookup, value)
    return resolved


def load_app(spec: str) -> tuple[Any, Path]:
    """Import `module:attribute` (default attribute `app`) and return it with the directory holding host.json."""
    module_name, _, attribute = spec.partition(":")
    module = importlib.import_module(module_name)
    app = getattr(module, attribute or "app")
    if module.__file__ is None:
        raise ImportError(f"app module {module_name!r} has no file (a namespace package?)")
    return app, Path(module.__file__).resolve().parent


def app_directory(spec: str) -> Path:
    """Where the app's module lives (host.json, local.settings.json), found without importing the app yet."""
    module_name = spec.partition(":")[0]
    found = importlib.util.find_spec(module_name)
    if found is None or not found.origin:
        raise ModuleNotFoundError(f"app module {module_name!r} not found: run from the app's directory or pass --app")
    return Path(found.origin).resolve().parent


# Orchestration context methods the local host does not emulate, and why: what the start-up error says after the name.
UNEMULATED_CONTEXT_METHODS = {
    "call_http": "durable HTTP is run by the Durable extension itself in Azure (202 polling, managed-identity "
                 "tokens), which the local host does not emulate; make the request in an activity instead "
                 "(docs/local-host.md)",
}


class IndexingError(Exception):
    """The app cannot run on the local host as written; the message is the real host's indexing error form."""


def _code_objects(code: CodeType) -> Iterator[CodeType]:
    """The code object and every one nested in it: inner functions, lambdas, comprehensions, generator bodies."""
    yield code
    for constant in code.co_consts:
        if isinstance(constant, CodeType):
            yield from _code_objects(constant)


def unemulated_calls(function: Callable[..., Any]) -> list[tuple[str, int | None]]:
    """(method, line) of every attribute access to an unemulated context method in the function's own code.

    Attribute loads only (`context.call_http`), not any name: a module function the app happens to call `call_http`
    is no durable HTTP call. Helpers the orchestrator calls are not followed; calling the method from one still fails
    the orchestration at run time with the same reason (devhost.durable.context)."""
    code = getattr(inspect.unwrap(function), "__code__", None)
    if not isinstance(code, CodeType):
        return []
    found: list[tuple[str, int | None]] = []
    for nested in _code_objects(code):
        if not UNEMULATED_CONTEXT_METHODS.keys() & set(nested.co_names):
            continue
        for instruction in dis.get_instructions(nested):
            if instruction.opname in ("LOAD_ATTR", "LOAD_METHOD") and instruction.argval in UNEMULATED_CONTEXT_METHODS:
                found.append((instruction.argval, instruction.positions.lineno if instruction.positions else None))
    return found


def refuse_unemulated(function_name: str, orchestrator: Callable[..., Any]) -> None:
    """Stop the start when an orchestrator uses what the local host cannot run, as the real host stops on an
    indexing error: better one clear line at start-up than an orchestration that fails minutes into a test."""
    calls = unemulated_calls(orchestrator)
    if not calls:
        return
    method, line = calls[0]
    code = inspect.unwrap(orchestrator).__code__
    where = f"{code.co_filename}:{line}" if line else code.co_filename
    raise IndexingError(f"Error indexing method 'Functions.{function_name}': the orchestrator uses "
                        f"context.{method} ({where}), which the local host (devhost) does not emulate: "
                        f"{UNEMULATED_CONTEXT_METHODS[method]}")


class IndexedApp:
    """The app with its functions indexed once: `FunctionApp.get_functions()` fails when called a second time
    (it re-validates names against those it already saw), yet both the host and the durable engine need them."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._functions = list(app.get_functions())

    def get_functions(self) -> list[Any]:
        return list(self._functions)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._app, name)


def discover(app: Any) -> list[FunctionInfo]:
    found: list[FunctionInfo] = []
    for function in app.get_functions():
        bindings = [resolve_settings(_plain(b), function.get_function_name())
                    for b in function.get_bindings_dict()["bindings"]]
        trigger = next((b for b in bindings if b["type"].endswith("Trigger")), None)
        kind = TRIGGER_KINDS.get(trigger["type"], "unsupported") if trigger else "unsupported"
        user_function = function.get_user_function()
        if trigger and trigger["type"] == "orchestrationTrigger":
            # df.Orchestrator.create() wraps the generator for the Azure worker; the generator is what to inspect.
            refuse_unemulated(function.get_function_name(),
                              getattr(user_function, "orchestrator_function", user_function))
        target = getattr(user_function, "client_function", user_function)
        try:
            parameters = list(inspect.signature(target).parameters)
        except (TypeError, ValueError):
            parameters = []
        found.append(FunctionInfo(
            name=function.get_function_name(), kind=kind, trigger=trigger or {}, bindings=bindings,
            user_function=user_function, is_async=inspect.iscoroutinefunction(target), parameters=parameters,
        ))
    return found
