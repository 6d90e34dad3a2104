"""HTTP trigger route templates (`items/{id:int}`, `files/{name?}`, `static/{*path}`) compiled to regexes.

Routes are tried most specific first, segment by segment (literal, then constrained, then plain, optional and
catch-all parameters), which is how ASP.NET routing in the Functions host breaks ties between templates.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

_CONSTRAINTS = {
    "int": r"-?\d+", "long": r"-?\d+", "bool": r"(?:true|false)", "alpha": r"[A-Za-z]+",
    "double": r"-?\d+(?:\.\d+)?", "float": r"-?\d+(?:\.\d+)?", "decimal": r"-?\d+(?:\.\d+)?",
    "guid": r"[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}",
    "datetime": r"[^/]+",
}
_PARAM = re.compile(r"\{([^{}]*(?:\([^)]*\))?[^{}]*)\}")
_LITERAL, _MIXED, _CONSTRAINED, _PLAIN, _OPTIONAL, _CATCH_ALL = range(1, 7)


@dataclass
class RouteTemplate:
    template: str
    pattern: re.Pattern[str]
    precedence: tuple[int, ...]
    names: list[str] = field(default_factory=list)

    def match(self, raw_path: str) -> dict[str, str] | None:
        found = self.pattern.match(raw_path)
        if not found:
            return None
        return {name: unquote(value) for name, value in found.groupdict().items() if value is not None}


def _param_regex(spec: str) -> tuple[str, str, int]:
    """Return (name, regex, precedence) of one `{...}` parameter."""
    if spec.startswith("*"):
        return spec.lstrip("*").split(":")[0].rstrip("?"), r".*", _CATCH_ALL
    optional = spec.endswith("?")
    spec = spec.rstrip("?")
    name, _, constraint_text = spec.partition(":")
    name = name.split("=")[0]
    regex = r"[^/]+"
    precedence = _OPTIONAL if optional else _PLAIN
    for constraint in filter(None, re.split(r":(?![^(]*\))", constraint_text)):
        base = constraint.split("(")[0].lower()
        if base == "regex":
            regex = constraint[constraint.index("(") + 1:constraint.rindex(")")].lstrip("^").rstrip("$")
        elif base in _CONSTRAINTS:
            regex = _CONSTRAINTS[base]
        if not optional:
            precedence = _CONSTRAINED
    return name, regex, precedence


def compile_route(prefix: str, template: str) -> RouteTemplate:
    segments = [s for s in template.strip("/").split("/") if s] if template.strip("/") else []
    parts: list[str] = []
    precedence: list[int] = []
    names: list[str] = []
    if prefix:
        parts.append("/" + re.escape(prefix))
    for segment in segments:
        params = list(_PARAM.finditer(segment))
        if not params:
            parts.append("/" + re.escape(segment))
            precedence.append(_LITERAL)
            continue
        if len(params) == 1 and params[0].group(0) == segment:
            name, regex, rank = _param_regex(params[0].group(1))
            names.append(name)
            precedence.append(rank)
            if rank == _CATCH_ALL:
                parts.append(f"(?:/(?P<{name}>{regex}))?")
            elif rank == _OPTIONAL:
                parts.append(f"(?:/(?P<{name}>{regex}))?")
            else:
                parts.append(f"/(?P<{name}>{regex})")
            continue
        piece, last = "", 0
        for param in params:
            piece += re.escape(segment[last:param.start()])
            name, regex, _ = _param_regex(param.group(1))
            names.append(name)
            piece += f"(?P<{name}>{regex.replace('[^/]+', '[^/]+?')})"
            last = param.end()
        piece += re.escape(segment[last:])
        parts.append("/" + piece)
        precedence.append(_MIXED)
    pattern = re.compile("^" + "".join(parts) + "/?$", re.IGNORECASE)
    return RouteTemplate(template, pattern, tuple(precedence), names)


def sort_key(route: RouteTemplate) -> tuple[Any, ...]:
    return (route.precedence + (7,), route.template)
