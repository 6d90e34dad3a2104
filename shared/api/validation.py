"""Request validation against the OpenAPI document itself, before any work: the document states the limits
(lengths, counts, patterns, page maximum, which fields go together) and this module enforces exactly those, so the
two cannot drift apart.

Every trigger goes through it (`triggers._http.api_handler` and `read_json_object`): query parameters are parsed
from the raw query string (an empty, repeated or malformed value is a 400 naming the parameter, never silently
ignored), path parameters that break their pattern are a 400, and JSON bodies are parsed with a bounded nesting
depth, checked for lone surrogates (which cannot be stored or encoded later) and validated against the operation's
request schema. Messages name the field and the rule, never echo the value: a value may be a connection string.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Any
from urllib.parse import unquote_plus

from jsonschema import ValidationError
from jsonschema.validators import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from shared.api.openapi import openapi_document
from shared.api.problems import FieldError, bad_request, invalid

MAX_JSON_DEPTH = 32          # the deepest request body the API defines is 3 levels; 32 leaves room, not recursion
MAX_QUERY_VALUE_CHARS = 1000  # no declared query parameter needs more
MAX_ERRORS = 20               # a body with thousands of bad items gets a readable answer
_SURROGATE = re.compile("[\ud800-\udfff]")
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
_INTEGER = re.compile(r"^-?[0-9]+$")
_DOC_URI = "urn:api"


@dataclass(frozen=True)
class Operation:
    """One operation of the document: what its query, path and body may hold."""

    method: str
    template: str
    query: tuple[dict[str, Any], ...]
    path: tuple[dict[str, Any], ...]
    body_schema: dict[str, Any] | None
    body_required: bool


# -- finding the operation ----------------------------------------------------------------------------------------
def _resolve(node: Any) -> Any:
    """Follow local `#/...` references (parameters and request bodies may be references)."""
    doc = _doc()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        target: Any = doc
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


@lru_cache(maxsize=1)
def _doc() -> dict[str, Any]:
    return openapi_document()


@lru_cache(maxsize=1)
def _operations() -> tuple[tuple[re.Pattern[str], Operation], ...]:
    """Every operation with a matcher for its path; literal segments first, so `/v1/jobs/stats` wins over
    `/v1/jobs/{id}`."""
    found: list[tuple[int, re.Pattern[str], Operation]] = []
    for template, item in _doc()["paths"].items():
        shared_params = [_resolve(p) for p in item.get("parameters") or []]
        for method, spec in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            params = {(p["in"], p["name"]): p for p in shared_params}
            params.update({(p["in"], p["name"]): p for p in (_resolve(p) for p in spec.get("parameters") or [])})
            body = _resolve(spec.get("requestBody")) or {}
            schema = ((body.get("content") or {}).get("application/json") or {}).get("schema")
            operation = Operation(method.upper(), template,
                                  tuple(p for (where, _), p in params.items() if where == "query"),
                                  tuple(p for (where, _), p in params.items() if where == "path"),
                                  schema, bool(body.get("required")))
            pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")
            found.append((template.count("{"), pattern, operation))
    found.sort(key=lambda entry: entry[0])
    return tuple((pattern, operation) for _, pattern, operation in found)


def find_operation(method: str, path: str) -> Operation | None:
    """The operation for `METHOD /path` (the path below the `/api` prefix), or None if the document has none."""
    for pattern, operation in _operations():
        if operation.method == method.upper() and pattern.match(path):
            return operation
    return None


# -- schema validation --------------------------------------------------------------------------------------------
class _Recursive(Exception):
    """A schema refers to itself (directly or through others): it cannot be inlined."""


def _inline(node: Any, seen: tuple[str, ...] = ()) -> Any:
    """The schema with every local `#/...` reference replaced by what it points to. A `$ref` with sibling keywords
    applies both (JSON Schema 2020-12), so it becomes an `allOf` of the target beside the siblings."""
    if isinstance(node, list):
        return [_inline(item, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if not (isinstance(ref, str) and ref.startswith("#/")):
        return {key: _inline(value, seen) for key, value in node.items()}
    if ref in seen:
        raise _Recursive(ref)
    target = _inline(_resolve({"$ref": ref}), (*seen, ref))
    siblings = {key: _inline(value, seen) for key, value in node.items() if key != "$ref"}
    return {**siblings, "allOf": [*siblings.get("allOf", []), target]} if siblings else target


@lru_cache(maxsize=256)
def _validator(schema_json: str) -> Draft202012Validator:
    """A validator for one schema of the document, compiled once. Its references are inlined: resolving `$ref`s
    through a registry of the whole document on every request made validation ~3× dearer, on the event loop of
    every handler (benchmarks/bench_start_burst.py). A recursive schema keeps the registry."""
    schema = json.loads(schema_json)
    try:
        return Draft202012Validator(_inline(schema))
    except _Recursive:
        pass
    root = dict(_doc(), __schema__=schema)
    registry: Registry[Any] = Registry().with_resource(
        _DOC_URI, Resource.from_contents(root, default_specification=DRAFT202012))
    return Draft202012Validator({"$ref": f"{_DOC_URI}#/__schema__"}, registry=registry)


_BY_IDENTITY: dict[int, tuple[Mapping[str, Any], Draft202012Validator]] = {}
_ANY: Mapping[str, Any] = {}  # a parameter without a schema


def _validator_for(schema: Mapping[str, Any]) -> Draft202012Validator:
    """`_validator` without serialising the schema on every call: the operations' schemas are long-lived objects
    (`_operations` is built once), so the same object finds its validator by identity."""
    known = _BY_IDENTITY.get(id(schema))
    if known is not None and known[0] is schema:
        return known[1]
    validator = _validator(json.dumps(schema, sort_keys=True))
    if len(_BY_IDENTITY) < 256:
        _BY_IDENTITY[id(schema)] = (schema, validator)  # holds the schema, so its id is never reused meanwhile
    return validator


def schema_errors(schema: Mapping[str, Any], value: Any, field: str = "") -> list[FieldError]:
    """Every way `value` breaks `schema`, as field errors (`options.schemas[3]`), the shallowest first."""
    validator = _validator_for(schema)
    if validator.is_valid(value):  # the common case, and half the work of collecting errors
        return []
    errors: list[FieldError] = []
    # A body with 100,000 bad items would otherwise build (and sort) 100,000 errors to report twenty of them.
    first = islice(validator.iter_errors(value), 10 * MAX_ERRORS)
    for error in sorted(first, key=lambda e: (len(e.absolute_path), list(map(str, e.path)))):
        errors.extend(_field_errors(error, field))
        if len(errors) >= MAX_ERRORS:
            break
    return errors[:MAX_ERRORS]


def component_errors(name: str, value: Any, field: str = "") -> list[FieldError]:
    """Validate against `#/components/schemas/<name>` (e.g. a queue message shaped like an HTTP body)."""
    return schema_errors(_component_ref(name), value, field)


@lru_cache(maxsize=64)
def _component_ref(name: str) -> dict[str, Any]:
    """One long-lived `$ref` object per component, so its validator is found by identity."""
    return {"$ref": f"#/components/schemas/{name}"}


def _path_text(prefix: str, path: Iterator[Any] | Any) -> str:
    text = prefix
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _field_errors(error: ValidationError, prefix: str) -> list[FieldError]:
    where = _path_text(prefix, error.absolute_path)
    rule, limit, instance = error.validator, error.validator_value, error.instance
    if rule == "required" and isinstance(instance, dict):
        return [FieldError(_path_text(where, [name]), "is required") for name in limit if name not in instance]
    if rule == "additionalProperties" and isinstance(instance, dict):
        known = set((error.schema.get("properties") or {}) if isinstance(error.schema, dict) else ())
        return [FieldError(_path_text(where, [str(key)[:100]]),
                           f"unknown field; allowed: {', '.join(sorted(known)) or 'none'}")
                for key in instance if key not in known]
    if rule == "oneOf" and isinstance(instance, dict):
        names = [n for sub in limit for n in (sub.get("required") or [])] if isinstance(limit, list) else []
        if names:
            given = [n for n in names if n in instance]
            message = f"give exactly one of {' or '.join(names)}" + (", not both" if len(given) > 1 else "")
            return [FieldError(_path_text(where, [given[0] if given else names[0]]), message)]
    return [FieldError(where or "body", _message(rule, limit, error))]


def _message(rule: str, limit: Any, error: ValidationError) -> str:
    """What the rule wants, in words, without the offending value (it may be a secret)."""
    messages = {
        "type": lambda: f"must be of type {' or '.join(limit) if isinstance(limit, list) else limit}",
        "maxLength": lambda: f"at most {limit} characters",
        "minLength": lambda: "must not be empty" if limit == 1 else f"at least {limit} characters",
        "maxItems": lambda: f"at most {limit} entries",
        "minItems": lambda: f"at least {limit} entries",
        "uniqueItems": lambda: "entries must be unique",
        "maxProperties": lambda: f"at most {limit} fields",
        "minProperties": lambda: f"at least {limit} fields",
        "pattern": lambda: "must contain a non-space character" if limit == "\\S" else f"must match {limit}",
        "enum": lambda: f"must be one of {', '.join(map(str, limit))}",
        "const": lambda: f"must be {limit}",
        "minimum": lambda: f"must be at least {limit}",
        "maximum": lambda: f"must be at most {limit}",
        "exclusiveMinimum": lambda: f"must be more than {limit}",
        "exclusiveMaximum": lambda: f"must be less than {limit}",
        "not": lambda: "is not allowed here",
    }
    make = messages.get(rule)
    return make() if make else f"does not satisfy the '{rule}' rule of the schema"


# -- JSON bodies --------------------------------------------------------------------------------------------------
def parse_json(raw: bytes, field: str = "body") -> Any:
    """Decode and parse a JSON document with bounded nesting, no NaN/Infinity and no lone surrogates."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise bad_request(field, "must be UTF-8 encoded JSON") from None
    depth = nesting_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise bad_request(field, f"nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise bad_request(field, f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise bad_request(field, f"malformed JSON ({reason[:80]})") from None
    bad = first_surrogate(value)
    if bad is not None:
        where = _path_text("" if field == "body" else field, bad) or field
        raise bad_request(where, "contains a lone surrogate (\\ud800-\\udfff), which is not valid Unicode text")
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def nesting_depth(text: str) -> int:
    """The deepest `[`/`{` nesting outside strings, counted without recursion and stopping once past the limit."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_JSON_STRING.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    break
        else:
            depth -= 1
    return deepest


def first_surrogate(value: Any) -> list[Any] | None:
    """The path of the first string (key or value) holding a lone surrogate, or None; iterative, depth-safe."""
    stack: list[tuple[list[Any], Any]] = [([], value)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, str):
            if _SURROGATE.search(node):
                return path
        elif isinstance(node, dict):
            for key, item in node.items():
                if _SURROGATE.search(key):
                    return path
                stack.append((path + [key], item))
        elif isinstance(node, list):
            stack.extend((path + [i], item) for i, item in enumerate(node))
    return None


def validate_body(operation: Operation | None, raw: bytes, *, required: bool) -> Any:
    """The parsed body, validated against the operation's request schema; empty → `{}` unless required."""
    if not raw.strip():
        if required or (operation is not None and operation.body_required):
            raise bad_request("body", "a JSON object is required")
        return {}
    body = parse_json(raw)
    if operation is not None and operation.body_schema is not None:
        errors = schema_errors(operation.body_schema, body)
        if errors:
            raise invalid(errors)
    return body


# -- query and path parameters ------------------------------------------------------------------------------------
def query_pairs(query: str) -> list[tuple[str, str | None]]:
    """`name=value` pairs of a raw query string; the value is None where it is not valid percent-encoded UTF-8."""
    pairs: list[tuple[str, str | None]] = []
    for part in query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        try:
            decoded: str | None = unquote_plus(value, errors="strict")
        except UnicodeDecodeError:
            decoded = None
        pairs.append((unquote_plus(name, errors="replace"), decoded))
    return pairs


def validate_query(operation: Operation | None, query: str) -> dict[str, Any]:
    """The declared query parameters, typed; a 400 naming the first one that is empty, repeated or invalid.
    Undeclared parameters (e.g. `code`, the function key) are left to the host."""
    if operation is None:
        return {}
    pairs = query_pairs(query)
    values: dict[str, Any] = {}
    for param in operation.query:
        name = param["name"]
        given = [value for key, value in pairs if key == name]
        if not given:
            if param.get("required"):
                raise bad_request(name, "is required")
            continue
        if len(given) > 1:
            raise bad_request(name, "given more than once; give it once")
        raw = given[0]
        if raw is None or _SURROGATE.search(raw):
            raise bad_request(name, "must be valid percent-encoded UTF-8")
        if raw == "":
            raise bad_request(name, "must not be empty; leave the parameter out to use its default")
        if len(raw) > MAX_QUERY_VALUE_CHARS:
            raise bad_request(name, f"at most {MAX_QUERY_VALUE_CHARS} characters")
        schema = _resolve(param.get("schema") or {})
        value = _coerce(name, raw, schema)
        errors = schema_errors(param.get("schema") or _ANY, value, name)
        if errors:
            raise invalid(errors[:1])
        values[name] = value
    return values


def _coerce(name: str, raw: str, schema: Mapping[str, Any]) -> Any:
    kind = schema.get("type")
    if kind == "integer":
        if not _INTEGER.match(raw):
            raise bad_request(name, "must be an integer")
        return int(raw)
    if kind == "boolean":
        if raw not in ("true", "false"):
            raise bad_request(name, "must be true or false")
        return raw == "true"
    return raw


def validate_path(operation: Operation | None, route_params: Mapping[str, str]) -> None:
    """A path parameter the document's pattern rules out cannot name a resource: 400 naming it."""
    if operation is None:
        return
    for param in operation.path:
        name = param["name"]
        value = route_params.get(name)
        if value is None:
            continue
        if _SURROGATE.search(value):
            raise bad_request(name, "must be valid Unicode")
        errors = schema_errors(param.get("schema") or _ANY, value, name)
        if errors:
            raise invalid(errors[:1])
