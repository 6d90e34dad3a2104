"""Analysis requests from the storage queue named by `ANALYSIS_QUEUE` (`analysis-requests`): scheduled or batch
work from other systems.

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

from shared import settings
from shared.analyzer import service
from shared.analyzer.requests import parse_start_request
from shared.api import validation
from shared.api.problems import Problem, invalid

bp = df.Blueprint()
log = logging.getLogger(__name__)



class MalformedAnalysisRequest(ValueError):
    """The message can never become a job; raising sends it, after the host's retries, to the poison queue."""


@bp.queue_trigger(arg_name="msg", queue_name="%ANALYSIS_QUEUE%", connection="AzureWebJobsStorage")
@bp.durable_client_input(client_name="client")
async def analysis_request_from_queue(msg: func.QueueMessage, client: df.DurableOrchestrationClient) -> None:
    queue = settings.analysis_queue()
    try:
        # The same limits as the HTTP body (the document's AnalysisStartRequest), then the same semantic checks.
        body = validation.parse_json(msg.get_body())
        errors = validation.component_errors("AnalysisStartRequest", body)
        if errors:
            raise invalid(errors)
        request = parse_start_request(body, from_queue=True)
    except Problem as problem:
        log.error("%s message %s refused (dequeue %s): %s", queue, msg.id, msg.dequeue_count, problem.detail)
        raise MalformedAnalysisRequest(problem.detail) from None
    job_id = await service.start_from_queue(client, request, str(msg.id))
    log.info("%s message %s: job %s", queue, msg.id, job_id)
