"""`notification_send`: one attempt at one queued message (claim, send over SMTP or to the webhook, record).

Blocking network I/O in a sync activity (the worker runs it in its thread pool). The SMTP outcome is returned,
never raised: the orchestration decides from it whether to wait and try again (see orchestrators/notification.py).
"""
from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from shared.notifications import service as notifications
from shared.notifications.models import NotifyInput
from shared.storage.db import get_database

bp = df.Blueprint()


@bp.activity_trigger(input_name="payload", activity="notification_send")
def notification_send(payload: dict[str, Any]) -> dict[str, Any]:
    request = NotifyInput.from_json(payload)
    # Not gated on `next_attempt_at`: this orchestration's durable timer already decided the time.
    return notifications.attempt(get_database(), request.outbox_id, due_only=False).to_json()
