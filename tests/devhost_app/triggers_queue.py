"""Queue triggers of the host's test app: one that records every message, one that always fails (poison path)."""
import azure.durable_functions as df
import azure.functions as func

from tests.devhost_app._record import record

bp = df.Blueprint()


@bp.queue_trigger(arg_name="msg", queue_name="%DEVHOST_TEST_WORK_QUEUE%", connection="AzureWebJobsStorage")
def queue_ok(msg: func.QueueMessage) -> None:
    record("queue_ok", id=msg.id, body=msg.get_body().decode("utf-8"), dequeue_count=msg.dequeue_count,
           inserted=msg.insertion_time.isoformat() if msg.insertion_time else None)


@bp.queue_trigger(arg_name="msg", queue_name="%DEVHOST_TEST_FAIL_QUEUE%", connection="AzureWebJobsStorage")
def queue_fail(msg: func.QueueMessage) -> None:
    record("queue_fail", id=msg.id, body=msg.get_body().decode("utf-8"), dequeue_count=msg.dequeue_count)
    raise ValueError(f"refusing message {msg.id}")
