"""Payloads of the notify orchestration: which event to send, and what one attempt came to."""
from __future__ import annotations

from dataclasses import dataclass

from shared.payload import Payload

FINAL_OUTCOMES = frozenset({"sent", "failed", "done", "waiting"})


@dataclass(frozen=True)
class NotifyInput(Payload):
    outbox_id: str   # the event key: the outbox row is the message, its record and its idempotency key


@dataclass(frozen=True)
class SendOutcome(Payload):
    """`sent` / `failed` (final), `retry` / `busy` (try again at `retry_at`), `done` (already final: nothing
    sent), `waiting` (the channel is not configured: the row waits for the next dispatch)."""

    outcome: str
    message: str | None = None
    retry_at: str | None = None
    attempt: int = 0

    @property
    def final(self) -> bool:
        return self.outcome in FINAL_OUTCOMES
