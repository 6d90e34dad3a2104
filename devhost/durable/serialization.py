"""Payload encoding identical to Azure's, so values cross the engine exactly as they would in Azure.

Azure encodes activity inputs/outputs with `df_dumps`/`df_loads` (plain JSON, plus the
`{"__class__", "__module__", "__data__"}` envelope for objects with `to_json`/`from_json`); plugging the same
pair into durabletask keeps orchestration inputs, activity payloads, events and custom status byte-compatible.
"""
from __future__ import annotations

import json
from typing import Any

from azure.functions._durable_functions import df_dumps, df_loads
from durabletask.serialization import DataConverter


class DurableFunctionsConverter(DataConverter):
    """durabletask `DataConverter` speaking the Durable Functions wire format."""

    def serialize(self, value: Any) -> str | None:
        if value is None:
            return None
        return df_dumps(value)

    def deserialize(self, data: str | None, target_type: type | None = None) -> Any:
        if not data:
            return None
        try:
            return df_loads(data)
        except json.JSONDecodeError:
            # Same fallback as the Functions activity-trigger converter: a non-JSON payload is a plain string.
            return data

    def coerce(self, value: Any, target_type: type | None = None) -> Any:
        return value


def plain_json(data: str | None) -> Any:
    """Decode the way the status HTTP API does: JSON only, custom-object envelopes stay dicts."""
    if not data:
        return None
    try:
        return json.loads(data)
    except json.JSONDecodeError:
        return data


CONVERTER = DurableFunctionsConverter()
