"""Connection strings at rest: encrypted with Fernet, stored in the application database, referenced by `secretRef`.

A raw connection string posted to the API must not travel through orchestration input/history or custom status
(which are stored in plain text by the task hub and shown by status APIs). So the start endpoint encrypts it here,
only the opaque reference travels, and the activity that connects decrypts it at the last moment. The key comes
from `ANALYZER_SECRET_KEY`; without it ad-hoc connection strings are refused (named connections still work).
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from cryptography.fernet import Fernet, InvalidToken

from shared import settings
from shared.analyzer import connstr
from shared.storage.db import Database


class SecretKeyError(RuntimeError):
    """`ANALYZER_SECRET_KEY` is missing or not a Fernet key; the message says how to make one."""


class SecretNotFound(LookupError):
    """The reference is unknown: the secret was deleted when its job ended, or expired."""


class SecretStr:
    """A secret value whose `repr`/`str` never show it, so an accidental log line or f-string leaks nothing."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "SecretStr('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretStr) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple:  # pickling would write the value somewhere unexpected
        raise TypeError("SecretStr cannot be pickled")


_HOW_TO = ('generate one with: python -c "from cryptography.fernet import Fernet; '
           'print(Fernet.generate_key().decode())"')


def fernet(key: str | None = None) -> Fernet:
    key = settings.analyzer_secret_key() if key is None else key
    if not key:
        raise SecretKeyError(
            f"ANALYZER_SECRET_KEY is not set, so connection strings cannot be stored safely; {_HOW_TO}")
    try:
        return Fernet(key.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise SecretKeyError(f"ANALYZER_SECRET_KEY is not a valid Fernet key (32 url-safe base64 bytes); {_HOW_TO}") \
            from None


def check_key() -> None:
    """Fail early (startup / start request) rather than after a job was created."""
    fernet()


def _now() -> datetime:
    return datetime.now(timezone.utc)


def store_secret(db: Database, value: str, *, key: str | None = None) -> str:
    """Encrypt and store; returns the reference that may travel through orchestration input."""
    token = fernet(key).encrypt(value.encode("utf-8")).decode("ascii")
    ref = "secret-" + uuid.uuid4().hex
    db.execute("INSERT INTO analysis_secrets (secret_ref, ciphertext, created_at, expires_at) VALUES (?, ?, ?, NULL)",
               (ref, token, _now().isoformat()))
    return ref


def load_secret(db: Database, ref: str, *, key: str | None = None) -> SecretStr:
    row = db.query_one("SELECT ciphertext, expires_at FROM analysis_secrets WHERE secret_ref = ?", (ref,))
    if row is None or (row["expires_at"] and row["expires_at"] < _now().isoformat()):
        raise SecretNotFound(f"secret {ref} no longer exists (deleted when its job ended, or expired)")
    try:
        return SecretStr(fernet(key).decrypt(row["ciphertext"].encode("ascii")).decode("utf-8"))
    except InvalidToken:
        raise SecretKeyError(f"secret {ref} cannot be decrypted: ANALYZER_SECRET_KEY changed since it was stored") \
            from None


def delete_secret(db: Database, ref: str | None) -> None:
    if ref:
        db.execute("DELETE FROM analysis_secrets WHERE secret_ref = ?", (ref,))


def expire_secret(db: Database, ref: str | None, ttl: timedelta) -> None:
    """Keep a failed job's secret a while so it can be restarted with one call, then let it go."""
    if ref:
        db.execute("UPDATE analysis_secrets SET expires_at = ? WHERE secret_ref = ?",
                   ((_now() + ttl).isoformat(), ref))


def keep_secret(db: Database, ref: str | None) -> None:
    """A restarted job needs its secret again for as long as it runs."""
    if ref:
        db.execute("UPDATE analysis_secrets SET expires_at = NULL WHERE secret_ref = ?", (ref,))


def purge_expired(db: Database) -> int:
    return db.execute("DELETE FROM analysis_secrets WHERE expires_at IS NOT NULL AND expires_at < ?",
                      (_now().isoformat(),))


def redact(text: str, *secrets: str | SecretStr) -> str:
    """Remove the given secrets (and every password/token inside them) plus any `Pwd=...` pattern from `text`."""
    values: list[str] = []
    for secret in secrets:
        raw = secret.reveal() if isinstance(secret, SecretStr) else secret
        if raw:
            values.extend(connstr.secret_values(raw))
    # Longest first, so a password inside the full string does not break the replacement of the full string.
    return connstr.redact(text, *sorted(set(values), key=len, reverse=True))
