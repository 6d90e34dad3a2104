"""Durable entities (azure-functions-durable's function-based entities) on durabletask's entity engine.

An app entity is `@app.entity_trigger(...) def Counter(context: df.DurableEntityContext)`: one call per operation,
reading `context.operation_name`/`get_input()`/`get_state()` and answering with `set_state`/`set_result`/
`destruct_on_exit`. durabletask runs entities as `fn(EntityContext, input) -> result` with the state in a shim, one
operation at a time per entity (the serialization entities exist for). This module runs the app function inside
that contract with a real `DurableEntityContext`, so the app's code sees the same object it sees in Azure.

Entity names are case-insensitive (stored lower-case) in both engines; ids are `@name@key`.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from azure.durable_functions.models.DurableEntityContext import DurableEntityContext
from azure.durable_functions.models.utils.entity_utils import EntityId
from azure.functions._durable_functions import df_dumps
from durabletask.entities import EntityContext, EntityInstanceId

from devhost.invocations import invocation

_DURABLETASK_PREFIX = re.compile(r"^Operation '.*?' on entity '.*?' failed with error: ", re.DOTALL)


def entity_error_message(message: str) -> str:
    """DF raises `Exception(str(error))` of the entity's exception at the orchestrator's yield; durabletask wraps it
    in "Operation '<op>' on entity '<id>' failed with error: <message>"."""
    return _DURABLETASK_PREFIX.sub("", message, count=1)


def instance_id_of(entity_id: EntityId) -> EntityInstanceId:
    if not isinstance(entity_id, EntityId):
        raise TypeError(f"entity ids are azure.durable_functions.EntityId(name, key), got {type(entity_id).__name__}")
    return EntityInstanceId(entity_id.name, entity_id.key)


def entity_for(name: str, user_function: Callable[[DurableEntityContext], Any]) -> Callable[[EntityContext, Any], Any]:
    """The durabletask entity function that runs one app entity function per operation."""

    def run(ctx: EntityContext, operation_input: Any) -> Any:
        state = ctx.get_state()
        context = DurableEntityContext(name=ctx.entity_id.entity, key=ctx.entity_id.key, exists=state is not None,
                                       state=state)
        context._operation = ctx.operation
        # DF hands the operation input as a JSON string of the df_dumps payload (get_input decodes both layers).
        context._input = json.dumps(df_dumps(operation_input) if operation_input is not None else None)
        with invocation(name, f"EntityTrigger {ctx.entity_id} {ctx.operation}"):
            user_function(context)
        if context._exists:
            ctx.set_state(context._state)
        else:
            ctx.set_state(None)   # destruct_on_exit: the entity no longer exists
        return context._result

    run.__name__ = name
    return run
