"""The same events as an HTTP POST to a Teams or Slack incoming webhook, on an allow-list of hosts only.

Both accept `{"text": "..."}` (Slack's incoming webhooks; Teams' workflow and connector webhooks render it as a
message). An incoming-webhook URL *is* a credential (whoever has it can post), so it is read from settings at send
time, never stored in the outbox, and errors name the host only. The allow-list keeps the app from being pointed at
internal addresses: https to an allowed host, or http to the loopback for local tests.
"""
from __future__ import annotations

import fnmatch
import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from shared import settings
from shared.notifications.outbox import Notification
from shared.notifications.smtp import SendError

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def url_problem(url: str) -> str | None:
    """Why this webhook URL may not be used, or None (never repeats the URL: it holds a token)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "NOTIFY_WEBHOOK_URL is not a URL"
    host = (parts.hostname or "").lower()
    if not host:
        return "NOTIFY_WEBHOOK_URL has no host"
    if parts.scheme == "http" and host in _LOOPBACK:
        return None
    if parts.scheme != "https":
        return "NOTIFY_WEBHOOK_URL must be https (http only to the loopback)"
    if not any(fnmatch.fnmatchcase(host, p.lower()) for p in settings.notify_webhook_allowed_hosts()):
        return f"the webhook host {host} is not on the allow-list (NOTIFY_WEBHOOK_ALLOWED_HOSTS)"
    return None


def payload(note: Notification) -> bytes:
    return json.dumps({"text": f"**{note.subject}**\n\n{note.body_text}"}).encode("utf-8")


def post(note: Notification) -> None:
    """Deliver one event or raise `SendError`: 5xx, 429 and network errors are transient, other 4xx permanent."""
    url = settings.notify_webhook_url()
    problem = url_problem(url) if url else "NOTIFY_WEBHOOK_URL is not set"
    if problem:
        raise SendError(problem, transient=False)
    host = urlsplit(url).hostname
    request = urllib.request.Request(url, data=payload(note), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=settings.smtp_timeout_seconds()) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise SendError(f"webhook {host} answered {exc.code}", transient=exc.code >= 500 or exc.code == 429) from None
    except (urllib.error.URLError, OSError) as exc:
        raise SendError(f"cannot reach webhook {host}: {exc.__class__.__name__}", transient=True) from None
