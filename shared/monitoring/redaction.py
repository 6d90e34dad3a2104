"""Error text shown by monitoring passes through here: the products' own redaction plus the credentials of the
platform (storage account keys, SAS signatures, GitHub tokens), because a failed orchestration's message is
whatever an exception said and may quote a connection string or an Authorization header."""
from __future__ import annotations

from typing import Any

from shared.redaction import redact_text

MAX_ERROR_CHARS = 2000


def redact_error(text: object) -> str | None:
    """Safe-to-show error text, or None when there is none."""
    if text is None or text == "":
        return None
    return redact_text(str(text))[:MAX_ERROR_CHARS]


def redact_value(value: Any) -> Any:
    """Every string inside a JSON value redacted (an orchestration's output shown on the detail page)."""
    if isinstance(value, str):
        return redact_error(value) or value
    if isinstance(value, list):
        return [redact_value(v) for v in value]
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    return value
