"""Analysis requests from the `analysis-requests` storage queue (scheduled or batch work from other systems).

Same JSON as `POST /api/v1/analysis/start`, but `connectionName` only: queue messages are stored in plain text, so a
raw connection string in one is refused. The storage message id is recorded with the job it started, so a
redelivered message (host crash after starting, visibility timeout) never starts a second job. A malformed message
is logged with its reason and the function raises, so the host retries it and finally moves it to
`analysis-requests-poison` — never silently dropped.
"""
from __future__ import annotations

import logging

import azure.durable_functions as df
import azure.functions as func

from shared.analyzer import jobs
from shared.analyzer.requests import parse_start_request
from shared.api import validation
from shared.api.problems import Problem, invalid
from shared.storage.db import get_database
from triggers.http_analysis import start_analysis

bp = df.Blueprint()
log = logging.getLogger(__name__)

QUEUE = "analysis-requests"


class MalformedAnalysisRequest(ValueError):
    """The message can never become a job; raising sends it, after the host's retries, to the poison queue."""


@bp.queue_trigger(arg_name="msg", queue_name=QUEUE, connection="AzureWebJobsStorage")
@bp.durable_client_input(client_name="client")
async def analysis_request_from_queue(msg: func.QueueMessage, client: df.DurableOrchestrationClient) -> None:
    try:
        # The same limits as the HTTP body (the document's AnalysisStartRequest), then the same semantic checks.
        body = validation.parse_json(msg.get_body())
        errors = validation.component_errors("AnalysisStartRequest", body)
        if errors:
            raise invalid(errors)
        request = parse_start_request(body, from_queue=True)
    except Problem as problem:
        log.error("%s message %s refused (dequeue %s): %s", QUEUE, msg.id, msg.dequeue_count, problem.detail)
        raise MalformedAnalysisRequest(problem.detail) from None
    db = get_database()
    job_id = jobs.new_job_id()
    earlier = jobs.claim_queue_message(db, msg.id, job_id)
    if earlier is not None:
        log.info("%s message %s was already handled: job %s", QUEUE, msg.id, earlier)
        return
    try:
        await start_analysis(client, request, source="queue", job_id=job_id)
    except Exception:
        jobs.release_queue_message(db, msg.id, job_id)
        raise
    log.info("%s message %s started job %s", QUEUE, msg.id, job_id)
