"""Python-implemented checks (`kind: python` in the catalog), registered by name.

Most checks are one SQL file; a few need code: SQLite pragmas that return their own shapes, and the stored-code
linter that parses view/procedure bodies. A handler takes the open session and its check and returns rows in the
mapper vocabulary (see `shared/analyzer/mappers.py`), so findings are built the same way as for SQL checks.
"""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.analyzer.model import Check
    from shared.analyzer.session import AnalysisSession

Handler = Callable[["AnalysisSession", "Check"], list[dict[str, Any]]]
_HANDLERS: dict[str, Handler] = {}


class SkipCheck(Exception):
    """Raised by a handler when the target lacks what the check needs (e.g. performance_schema is off); the
    message becomes the check's `skipped` reason verbatim, so it must say why and what would enable the check."""


def handler(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        if name in _HANDLERS:
            raise ValueError(f"handler {name} registered twice")
        _HANDLERS[name] = fn
        return fn

    return register


def get(name: str) -> Handler:
    # Load every handler module on the first miss, not only while the registry is empty: a test or caller that
    # imported one module directly must not hide the others.
    if name not in _HANDLERS:
        for module in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{module.name}")
    try:
        return _HANDLERS[name]
    except KeyError:
        raise KeyError(f"no analyzer handler named {name}") from None
