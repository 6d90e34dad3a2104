"""Failure text of the Policy Enforcer that people see (scan and act status, results, the API).

An activity's exception reaches the orchestrator as whatever the platform made of it: on Azure the message of a
failed activity is a serialized .NET exception, and a GitHub 5xx answer may carry a server's stack trace in its
body. Neither belongs in a job's status. So a reason is the first line of the text, cut before anything that
looks like a serialized exception or a JSON body, with credentials redacted (as the analyzer and monitoring do).
"""
from __future__ import annotations

import re

from shared.monitoring.redaction import redact_error

MAX_REASON_CHARS = 300
# Where a remote or platform payload starts inside a message: everything from there on is dropped.
_PAYLOAD_START = re.compile(r"(\{|\[|<|\$type|System\.|Microsoft\.|   at |Traceback|\bStack ?trace\b|Exception:)")


def redacted_reason(text: object, fallback: str = "an unexpected error") -> str:
    """One safe line: no serialized exception, no response body, no secret."""
    raw = str(text or "").strip()
    line = raw.splitlines()[0] if raw else ""
    cut = _PAYLOAD_START.search(line)
    if cut:
        line = line[:cut.start()]
    line = line.rstrip(" :;,-(")
    return (redact_error(line) or fallback)[:MAX_REASON_CHARS]
