"""The one OpenAPI 3.1 document of the HTTP API, assembled from one fragment per product.

Each product describes its own paths and schemas in `shared/api/openapi/<product>.yaml`; `base.yaml` holds the
document's head and the shared components (Problem, paging). Merging at load time keeps one served document while
letting each product own its part. Tests validate real responses against the merged document.
"""
from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import Any

from shared.data_files import load_yaml

FRAGMENTS = Path(__file__).with_name("openapi")


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    doc = load_yaml(FRAGMENTS / "base.yaml")
    for path in sorted(FRAGMENTS.glob("*.yaml")):
        if path.name == "base.yaml":
            continue
        fragment = load_yaml(path) or {}
        for route, item in (fragment.get("paths") or {}).items():
            if route in doc["paths"]:
                raise ValueError(f"{path.name}: path {route} is already described by another fragment")
            doc["paths"][route] = item
        for kind, entries in (fragment.get("components") or {}).items():
            target = doc.setdefault("components", {}).setdefault(kind, {})
            for name, value in entries.items():
                if name in target:
                    raise ValueError(f"{path.name}: components.{kind}.{name} is already defined")
                target[name] = value
        doc.setdefault("tags", []).extend(fragment.get("tags") or [])
    return doc


def openapi_document() -> dict[str, Any]:
    """A copy of the merged document (callers may annotate it, e.g. with the server URL)."""
    return copy.deepcopy(_document())
