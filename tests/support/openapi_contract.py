"""Checks real HTTP responses against the app's own OpenAPI document.

Every e2e test that calls the API passes its response through `assert_matches_openapi`, so the document and the
behaviour cannot drift apart silently.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import requests
from jsonschema.validators import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from shared.api.openapi import openapi_document


@lru_cache(maxsize=1)
def _doc() -> dict[str, Any]:
    return openapi_document()


def _operation(method: str, path: str) -> tuple[str, dict[str, Any]]:
    doc = _doc()
    # Literal paths before templates (`/v1/scans/trend` before `/v1/scans/{scanId}`), as the host routes them.
    for template, item in sorted(doc["paths"].items(), key=lambda entry: entry[0].count("{")):
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in item:
            return template, item[method.lower()]
    raise AssertionError(f"{method} {path} is not described in the OpenAPI document")


def assert_matches_openapi(response: requests.Response, api_prefix: str = "/api") -> None:
    """Fail unless the status is documented for the operation and the JSON body validates against its schema."""
    url_path = "/" + response.url.split("://", 1)[1].split("/", 1)[1].split("?", 1)[0]
    assert url_path.startswith(api_prefix), url_path
    template, operation = _operation(response.request.method, url_path[len(api_prefix):])
    responses = operation.get("responses", {})
    spec = responses.get(str(response.status_code)) or responses.get("default")
    assert spec is not None, f"{response.request.method} {template}: status {response.status_code} is not documented"
    if "$ref" in spec:
        spec = _resolve(spec["$ref"])
    content = spec.get("content") or {}
    if not content:
        return
    media = (response.headers.get("content-type") or "").split(";")[0].strip()
    assert media in content, f"{template} {response.status_code}: content type {media!r} not documented ({list(content)})"
    schema = content[media].get("schema")
    if schema is None or not media.endswith("json"):
        return
    # The schema's "#/components/..." references resolve against the whole document, registered as one resource.
    root = dict(_doc(), __schema__=schema)
    registry = Registry().with_resource("urn:api", Resource.from_contents(root, default_specification=DRAFT202012))
    wrapped = {"$ref": "urn:api#/__schema__"}
    validator = Draft202012Validator(wrapped, registry=registry)
    errors = sorted(validator.iter_errors(response.json()), key=lambda e: list(e.path))
    assert not errors, f"{template} {response.status_code}: " + "; ".join(
        f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5])


def _resolve(ref: str) -> dict[str, Any]:
    node: Any = _doc()
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node
