"""Failure text that is stored or shown passes through here: exceptions quote whatever they like (a connection
string, an Authorization header, a storage key), and their text ends up in job rows, action logs, orchestration
history and API answers. Both products use this one function, as the analyzer's `secrets.redact` does for the
connection strings it knows."""
from __future__ import annotations

import re

from shared.analyzer.connstr import redact as redact_connection_secrets

_PLATFORM_SECRETS = (
    (re.compile(r"(?i)\b(accountkey|sharedaccesskey|sharedaccesssignature|sig)\s*=\s*[^;&\s]+"), r"\1=***"),
    (re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9_]{8,}|github_pat_[A-Za-z0-9_]{8,})"), "***"),
    (re.compile(r"(?i)\b(bearer|token)\s+[A-Za-z0-9._\-]{8,}"), r"\1 ***"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.S), "***"),
)


def redact_text(text: str) -> str:
    """`text` without credentials: connection-string passwords and tokens, storage keys and SAS signatures,
    GitHub tokens, bearer tokens and PEM private keys."""
    value = redact_connection_secrets(text)
    for pattern, replacement in _PLATFORM_SECRETS:
        value = pattern.sub(replacement, value)
    return value
