"""Finds the orchestrators and activities of a v2-model function app by their trigger bindings."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any


def entity_functions_of(app: Any) -> dict[str, Callable]:
    """Entity name -> the app's entity function (`context: DurableEntityContext` -> None), unwrapped from DF's
    `Entity.create` handle. The name is the trigger's `entityName` when given, else the function name."""
    entities: dict[str, Callable] = {}
    for function in app.get_functions():
        for binding in function.get_bindings():
            if binding.type == "entityTrigger":
                name = getattr(binding, "entity_name", None) or function.get_function_name()
                handle = function.get_user_function()
                entities[name] = getattr(handle, "entity_function", handle)
    return entities


def durable_functions_of(app: Any) -> tuple[dict[str, Callable], dict[str, tuple[Callable, str]]]:
    """Durable name -> user generator, and durable name -> (user callable, activityTrigger parameter name).

    The durable name is the trigger's `orchestration`/`activity` argument when given, else the function name,
    which is how the app refers to them in `call_activity`/`start_new`.
    """
    orchestrators: dict[str, Callable] = {}
    activities: dict[str, tuple[Callable, str]] = {}
    for function in app.get_functions():
        for binding in function.get_bindings():
            if binding.type == "orchestrationTrigger":
                name = getattr(binding, "orchestration", None) or function.get_function_name()
                handle = function.get_user_function()
                # df.Orchestrator.create() wraps the generator for the Azure worker; we need the generator itself.
                orchestrators[name] = getattr(handle, "orchestrator_function", handle)
            elif binding.type == "activityTrigger":
                name = getattr(binding, "activity", None) or function.get_function_name()
                activities[name] = (function.get_user_function(), binding.name)
    return orchestrators, activities


def activity_clients_of(app: Any) -> dict[str, str]:
    """Activity name -> the parameter name of its `durableClient` input binding, for activities that have one."""
    clients: dict[str, str] = {}
    for function in app.get_functions():
        bindings = list(function.get_bindings())
        trigger = next((b for b in bindings if b.type == "activityTrigger"), None)
        client = next((b for b in bindings if b.type == "durableClient"), None)
        if trigger is not None and client is not None:
            clients[getattr(trigger, "activity", None) or function.get_function_name()] = client.name
    return clients
