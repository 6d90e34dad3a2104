"""Renderings of one stored report: JSON (the resource itself), Markdown, HTML and SARIF 2.1.0."""
from __future__ import annotations

import json
from typing import Any

from shared.analyzer.render import html, markdown, sarif

FORMATS = ("json", "markdown", "html", "sarif")

_CONTENT_TYPES = {"json": "application/json", "markdown": "text/markdown", "html": "text/html",
                  "sarif": "application/sarif+json"}


def render(report: dict[str, Any], fmt: str) -> tuple[str, str]:
    """(body, media type) of the report in `fmt` (one of FORMATS)."""
    if fmt == "markdown":
        body = markdown.render(report)
    elif fmt == "html":
        body = html.render(report)
    elif fmt == "sarif":
        body = json.dumps(sarif.render(report), indent=2, default=str)
    elif fmt == "json":
        body = json.dumps(report, default=str)
    else:
        raise ValueError(f"unknown format {fmt}")
    return body, _CONTENT_TYPES[fmt]
