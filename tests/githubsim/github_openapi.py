"""Validate the simulator's responses against GitHub's own OpenAPI description (@octokit/openapi).

The description is OpenAPI 3.0 (`nullable: true`), so it is rewritten once into plain JSON Schema (draft 4 style:
`type: [X, "null"]`) and registered as one resource; each response schema is then validated through a `$ref` into
that resource, which resolves every nested `$ref` the way GitHub's tooling does.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import requests
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPEC_PATH = Path(__file__).resolve().parents[2] / "node_modules/@octokit/openapi/generated/api.github.com.json"
URN = "urn:github-openapi"
# Statuses GitHub can send on any endpoint even when an operation does not list them.
UNIVERSAL = {401, 403, 429, 500, 502, 503, 504}
# Real answers the description omits: listing issues of a repository with issues disabled is 410 like the other
# issue endpoints.
UNDOCUMENTED = {("GET", "/repos/{owner}/{repo}/issues", 410)}


def _denull(node: Any) -> Any:
    if isinstance(node, list):
        return [_denull(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _denull(v) for k, v in node.items()}
    if out.get("nullable") is True:
        out.pop("nullable")
        if "type" in out:
            out["type"] = [out["type"], "null"] if isinstance(out["type"], str) else [*out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [{"type": "null"}, out]}
    return out


@lru_cache(maxsize=1)
def _spec() -> dict[str, Any]:
    return _denull(json.loads(SPEC_PATH.read_text()))


@lru_cache(maxsize=1)
def _registry() -> Registry:
    return Registry().with_resource(URN, Resource.from_contents(_spec(), default_specification=DRAFT4))


@lru_cache(maxsize=1)
def _templates() -> list[tuple[re.Pattern[str], str]]:
    out = []
    for template in _spec()["paths"]:
        pattern = re.sub(r"\{(\w+)\}", lambda m: ".+" if m[1] in {"path", "branch"} else "[^/]+", template)
        out.append((re.compile(f"^{pattern}$"), template))
    # The most literal template wins (e.g. /issues/comments/{id} before /issues/{number}).
    out.sort(key=lambda item: -len(re.sub(r"\{\w+\}", "", item[1])))
    return out


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def operation_for(method: str, path: str) -> tuple[str, dict[str, Any]]:
    for pattern, template in _templates():
        if pattern.match(path) and method.lower() in _spec()["paths"][template]:
            return template, _spec()["paths"][template][method.lower()]
    raise AssertionError(f"{method} {path} is not an operation of GitHub's REST API")


def assert_github_shape(response: requests.Response) -> None:
    """Fail unless GitHub documents this status for the operation and the body matches its schema."""
    method = response.request.method or "GET"
    path = "/" + response.url.split("://", 1)[1].split("/", 1)[1].split("?", 1)[0]
    template, operation = operation_for(method, path)
    status = response.status_code
    responses = operation["responses"]
    documented = responses.get(str(status))
    if documented is None:
        assert status in UNIVERSAL or (method, template, status) in UNDOCUMENTED, f"{method} {template}: GitHub does not document status {status}"
        _validate(response.json(), "/components/schemas/basic-error")
        return
    pointer = f"/paths/{_escape(template)}/{method.lower()}/responses/{status}"
    if "$ref" in documented:
        pointer = documented["$ref"][1:]
        documented = _spec()["components"]["responses"][pointer.rsplit("/", 1)[-1]]
    content = documented.get("content") or {}
    if "application/json" not in content or "schema" not in content["application/json"]:
        assert not response.content, f"{method} {template} {status} must have an empty body"
        return
    _validate(response.json(), f"{pointer}/content/application~1json/schema")


def _validate(instance: Any, pointer: str) -> None:
    validator = Draft4Validator({"$ref": f"{URN}#{pointer}"}, registry=_registry())
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors[:8]]
        raise AssertionError(f"response does not match GitHub's schema at {pointer}:\n" + "\n".join(lines))


def assert_webhook_shape(event: str, action: str, payload: Any) -> None:
    """Fail unless the payload matches GitHub's own schema for the webhook (`x-webhooks` of the description), for
    events the pinned @octokit/webhooks-schemas predates (`repository_ruleset`)."""
    key = f"{event.replace('_', '-')}-{action}"
    assert key in _spec()["x-webhooks"], f"GitHub's description has no webhook {key}"
    _validate(payload, f"/x-webhooks/{key}/post/requestBody/content/application~1json/schema")
