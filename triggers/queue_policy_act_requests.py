"""Queue trigger that chains a completed scan to its act step (setting `POLICY_ACT_QUEUE`, `policy-act-requests`).

The scan's last activity enqueues the request instead of starting the act orchestration itself: an orchestrator
cannot use the client, and a separate instance (`<scanId>:act`) can be retried on its own once the scan's results are
safe in the database. Storage queues give the hand-over the host's retry and poison-queue semantics.
"""
import azure.durable_functions as df
import azure.functions as func

from shared.policies import service
from shared.policies.models import ActRequest

bp = df.Blueprint()


@bp.queue_trigger(arg_name="msg", queue_name="%POLICY_ACT_QUEUE%", connection="AzureWebJobsStorage")
@bp.durable_client_input(client_name="client")
async def policy_act_requests(msg: func.QueueMessage, client: df.DurableOrchestrationClient) -> None:
    """Start the act run once: a redelivered message finds the instance already there and does nothing."""
    await service.start_act(client, ActRequest.from_json(msg.get_body().decode("utf-8")))
