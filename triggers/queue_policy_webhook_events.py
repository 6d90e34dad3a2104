"""Queue trigger `policy-webhook-events`: a repository's debounced webhook evaluation is due.

The webhook endpoint enqueued one message per burst, visible after the debounce; by now every event of the burst
has widened the pending row. The message takes that row and every other one already due, so evaluations that come
due together (a burst across many repositories) run as one scan (trigger `webhook`) and one act run per set of
checks, instead of one orchestration each. A message whose row was taken already does nothing.
"""
from __future__ import annotations

import asyncio
import json
import logging
import secrets
from datetime import datetime, timezone

import azure.durable_functions as df
import azure.functions as func

from shared import settings
from shared.policies import webhooks
from shared.policies.config import load_config_file
from shared.storage.db import get_database
from triggers.http_github_webhook import enqueue_evaluation

bp = df.Blueprint()
log = logging.getLogger(__name__)


@bp.queue_trigger(arg_name="msg", queue_name="%POLICY_WEBHOOK_QUEUE%", connection="AzureWebJobsStorage")
@bp.durable_client_input(client_name="client")
async def policy_webhook_events(msg: func.QueueMessage, client: df.DurableOrchestrationClient) -> None:
    repository = str(json.loads(msg.get_body().decode("utf-8"))["repository"])
    db = get_database()
    # The database and the config file are read in worker threads: this handler shares the worker's event loop.
    batches = await asyncio.to_thread(webhooks.take_due, db, repository,
                                      debounce_seconds=settings.policy_webhook_debounce_seconds())
    if not batches:
        return
    config = await asyncio.to_thread(load_config_file, settings.policy_config_path())
    for due in batches:
        scan_id = f"scan-{datetime.now(timezone.utc):%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
        started = await webhooks.start_evaluation(db, client, due, settings.github_org(), scan_id, config,
                                                  enqueue_evaluation)
        log.info("webhook evaluation of %d repositor%s (%s): %s (deliveries %s)", len(due.repositories),
                 "y" if len(due.repositories) == 1 else "ies", ", ".join(due.repositories[:3]),
                 started or "put back (a scan holds the lock)", ", ".join(due.deliveries[-5:]))
