"""Error text shown by monitoring never carries a credential, whatever the exception quoted."""
from __future__ import annotations

import pytest

from shared.monitoring.redaction import MAX_ERROR_CHARS, redact_error, redact_value


@pytest.mark.parametrize("text, secret", [
    ("login failed: Driver={PostgreSQL Unicode};Server=h;Uid=u;Pwd=Hunter2Secret;", "Hunter2Secret"),
    ("Password = {p;ss w0rd} rejected", "p;ss w0rd"),
    ("DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0S2V5QmFzZTY0==;", "c2VjcmV0S2V5QmFzZTY0"),
    ("GET https://x.blob.core.windows.net/c?sv=2024&sig=AbCdEf123%2F456 failed", "AbCdEf123"),
    ("401 Bad credentials for token ghp_A1b2C3d4E5f6G7h8", "ghp_A1b2C3d4E5f6G7h8"),
    ("request with github_pat_11ABCDEFG0123456789_abc failed", "github_pat_11ABCDEFG"),
    ("Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.payload.sig", "eyJhbGciOiJSUzI1NiJ9"),
    ("bad key -----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY----- end", "MIIEow"),
])
def test_secrets_are_removed(text: str, secret: str) -> None:
    assert secret not in (redact_error(text) or "")


def test_plain_messages_are_kept_and_long_ones_cut() -> None:
    assert redact_error("cannot connect to 127.0.0.1:5432 (after 3 attempts)") == \
        "cannot connect to 127.0.0.1:5432 (after 3 attempts)"
    assert redact_error(None) is None and redact_error("") is None
    assert len(redact_error("x" * 10_000) or "") == MAX_ERROR_CHARS


def test_values_are_redacted_deep() -> None:
    value = {"status": "Failed", "errors": ["Pwd=abc123;", {"msg": "AccountKey=zzz"}], "n": 3}
    assert redact_value(value) == {"status": "Failed", "errors": ["Pwd=***;", {"msg": "AccountKey=***"}], "n": 3}
