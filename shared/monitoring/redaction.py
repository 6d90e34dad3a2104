"""Error text shown by monitoring passes through here: the products' own redaction plus the credentials of the
platform (storage account keys, SAS signatures, GitHub tokens), because a failed orchestration's message is
whatever an exception said and may quote a connection string or an Authorization header."""
from __future__ import annotations

import re
from typing import Any

from shared.analyzer.connstr import redact as redact_connection_secrets

MAX_ERROR_CHARS = 2000
_PLATFORM_SECRETS = (
    (re.compile(r"(?i)\b(accountkey|sharedaccesskey|sharedaccesssignature|sig)\s*=\s*[^;&\s]+"), r"\1=***"),
    (re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9_]{8,}|github_pat_[A-Za-z0-9_]{8,})"), "***"),
    (re.compile(r"(?i)\b(bearer|token)\s+[A-Za-z0-9._\-]{8,}"), r"\1 ***"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.S), "***"),
)


def redact_error(text: object) -> str | None:
    """Safe-to-show error text, or None when there is none."""
    if text is None or text == "":
        return None
    value = redact_connection_secrets(str(text))
    for pattern, replacement in _PLATFORM_SECRETS:
        value = pattern.sub(replacement, value)
    return value[:MAX_ERROR_CHARS]


def redact_value(value: Any) -> Any:
    """Every string inside a JSON value redacted (an orchestration's output shown on the detail page)."""
    if isinstance(value, str):
        return redact_error(value) or value
    if isinstance(value, list):
        return [redact_value(v) for v in value]
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    return value
