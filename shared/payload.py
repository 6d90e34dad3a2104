"""The one way both products serialise what crosses an orchestration boundary (inputs, outputs, activity results,
custom status): a dataclass that inherits `Payload` maps its snake_case fields to camelCase JSON and back.

History and custom status are read by people (the dashboard, the portal), so the JSON is plain and camelCase, and
no class path is baked into it. A payload whose JSON is not a flat copy of its fields (the analyzer's `ConnectionRef`
is flattened into its parents) overrides `to_json` / `from_json` and keeps the same two names.
"""
from __future__ import annotations

import json
from dataclasses import asdict, fields, is_dataclass
from typing import Any, TypeVar

T = TypeVar("T", bound="Payload")


class Payload:
    """camelCase JSON mapping for dataclasses; unknown keys are ignored, missing ones take the field's default."""

    def to_json(self) -> dict[str, Any]:
        assert is_dataclass(self), f"{type(self).__name__} must be a dataclass"
        return {camel(k): v for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls: type[T], data: dict[str, Any] | str | None) -> T:
        payload = json_object(data)
        assert is_dataclass(cls), f"{cls.__name__} must be a dataclass"
        names = {f.name for f in fields(cls)}
        return cls(**{snake(k): v for k, v in payload.items() if snake(k) in names})


def json_object(data: dict[str, Any] | str | None) -> dict[str, Any]:
    """What `from_json` accepts, as a dict: the dict itself, a JSON text of one (a queue message), or nothing."""
    if isinstance(data, str):
        data = json.loads(data)
    return data if isinstance(data, dict) else {}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)
