"""`POST /api/github/webhook`: GitHub App webhooks for the Policy Enforcer (anonymous at the Functions level:
GitHub cannot send a function key; the `X-Hub-Signature-256` HMAC with `GITHUB_WEBHOOK_SECRET` authenticates).

A thin adapter over `shared.policies.webhooks.receive`: it verifies before parsing, records the delivery id, and
answers 202 after enqueuing (a storage queue message made visible after the debounce), never calling GitHub, so
GitHub's 10 s budget holds. A plain `def`: the worker runs it in its thread pool, so its database write and queue
send never block the event loop.
"""
from __future__ import annotations

import json
import logging

import azure.durable_functions as df
import azure.functions as func

from shared import settings
from shared.api.problems import FieldError, Problem
from shared.policies import webhooks
from shared.storage.db import get_database
from triggers._http import json_response, problem_response
from triggers._queues import send_message

bp = df.Blueprint()
log = logging.getLogger(__name__)

# GitHub caps payloads at 25 MB; nothing this app reacts to comes near, so anything above 5 MB is refused unread.
MAX_WEBHOOK_BYTES = 5_000_000


def enqueue_evaluation(repository: str, delay_seconds: int) -> None:
    send_message(settings.policy_webhook_queue(), json.dumps({"repository": repository}), delay_seconds)


@bp.route(route="github/webhook", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
def github_webhook(req: func.HttpRequest) -> func.HttpResponse:
    body = req.get_body() or b""
    if len(body) > MAX_WEBHOOK_BYTES:
        return problem_response(Problem(413, f"body: larger than {MAX_WEBHOOK_BYTES} bytes"))
    try:
        answer = webhooks.receive(get_database(), secret=settings.github_webhook_secret(), org=settings.github_org(),
                                  headers=dict(req.headers), body=body, enqueue=enqueue_evaluation,
                                  debounce_seconds=settings.policy_webhook_debounce_seconds())
    except Exception:
        log.exception("webhook delivery %s could not be handled", req.headers.get("x-github-delivery"))
        return problem_response(Problem(500, "the delivery could not be handled; GitHub will redeliver it"))
    if answer.status >= 400:
        name, detail = answer.body.get("field"), str(answer.body.get("detail", ""))
        errors = [FieldError(name, detail)] if name else []
        return problem_response(Problem(answer.status, f"{name}: {detail}" if name else detail, errors))
    return json_response(answer.body, answer.status)
