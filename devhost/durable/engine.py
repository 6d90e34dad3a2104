"""The durable engine of the local host: durabletask's in-memory backend, a worker and a client in-process.

Relies on a few private members of durabletask 1.12 (pinned in requirements-dev.txt): the worker's shutdown
event, response stream and work queues for a graceful stop, and `_execute_orchestrator` for per-episode logs.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent import futures
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import grpc
from aiohttp import web
from durabletask import client as dt_client
from durabletask import worker as dt_worker
from durabletask.internal import helpers
from durabletask.internal import orchestrator_service_pb2 as pb
from durabletask.internal import orchestrator_service_pb2_grpc as stubs
from durabletask.testing import InMemoryOrchestrationBackend

from devhost.durable.activities import activity_for
from devhost.durable.context import orchestrator_for
from devhost.durable.entities import entity_for
from devhost.durable.serialization import CONVERTER
from devhost.invocations import invocation

if TYPE_CHECKING:
    from devhost.durable.client import LocalDurableOrchestrationClient

log = logging.getLogger("devhost.durable")


# Engine messages the real host never prints: the extension does not terminate sub-orchestrations either (so the
# in-memory backend's "recursive termination" warning on every terminate is noise), and the worker's idle-stream
# reconnect is an in-process detail.
_NOISE = ("Recursive termination is not supported", "Timed out waiting for work items")


class _EngineNoiseFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, BaseException):
            # The worker's `logger.exception(ex)` for a failed entity operation: the host's invocation log already
            # has it ("Executed 'Functions.<entity>' (Failed ...)" with the traceback).
            return False
        message = record.getMessage()
        return not any(text in message for text in _NOISE)


# How long one wait for a sub-orchestration lasts before the watcher checks the backend is still running and waits
# again; any value works, it only bounds how long a watcher thread outlives a stopped backend.
SUB_ORCHESTRATION_POLL_SECONDS = 30.0


class _LoopbackBackend(InMemoryOrchestrationBackend):
    """The in-memory backend bound to 127.0.0.1 on a free port (upstream binds every interface), with two fixes:
    a sub-orchestration is watched until it ends (upstream gives up after 30 s and drops the child's completion,
    leaving the parent Running forever), and the engine's noise is kept out of the host log."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not any(isinstance(f, _EngineNoiseFilter) for f in self._logger.filters):
            self._logger.addFilter(_EngineNoiseFilter())

    def start(self) -> str:
        self._shutdown_event.clear()
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=32, thread_name_prefix="DurableBackend"))
        stubs.add_TaskHubSidecarServiceServicer_to_server(self, server)
        self._port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        self._server = server
        return f"127.0.0.1:{self._port}"

    def _process_create_sub_orchestration_action(self, instance: Any, action: pb.OrchestratorAction) -> None:
        # Upstream omits the parent in the child's executionStarted; DF apps read context.parent_instance_id.
        super()._process_create_sub_orchestration_action(instance, action)
        child = self._instances.get(action.createSubOrchestration.instanceId)
        if child is None:
            return
        for event in child.pending_events:
            if event.HasField("executionStarted"):
                event.executionStarted.parentInstance.orchestrationInstance.instanceId = instance.instance_id
                event.executionStarted.parentInstance.name.value = instance.name
                event.executionStarted.parentInstance.taskScheduledId = action.id
                break

    def _watch_sub_orchestration(self, parent_instance_id: str, sub_instance_id: str, task_id: int) -> None:
        """Upstream waits once (`timeout=None` becomes 30 s) and then returns without telling the parent."""
        def watch() -> None:
            while not self._shutdown_event.is_set():
                child = self._wait_for_state(sub_instance_id, self._is_terminal_status_check,
                                             timeout=SUB_ORCHESTRATION_POLL_SECONDS)
                if child is not None:
                    break
                with self._lock:
                    if sub_instance_id not in self._instances or parent_instance_id not in self._instances:
                        return  # purged: nobody left to tell
            else:
                return
            with self._lock:
                parent = self._instances.get(parent_instance_id)
                if parent is None or self._is_terminal_status(parent.status):
                    return
                if child.status == pb.ORCHESTRATION_STATUS_COMPLETED:
                    event = helpers.new_sub_orchestration_completed_event(task_id, child.output)
                else:
                    message = (child.failure_details.errorMessage if child.failure_details
                               else "Sub-orchestration failed")
                    event = helpers.new_sub_orchestration_failed_event(task_id, Exception(message))
                parent.pending_events.append(event)
                parent.last_updated_at = datetime.now(timezone.utc)
                self._enqueue_orchestration(parent_instance_id)

        threading.Thread(target=watch, daemon=True, name=f"sub-orchestration {sub_instance_id}").start()

    def CompleteOrchestratorTask(self, request: pb.OrchestratorResponse, context: Any) -> pb.CompleteTaskResponse:  # noqa: N802
        """After `continue_as_new` upstream parks the instance in Pending until the next episode; the extension
        shows it Running between generations (the new generation has started). Done under the backend's (re-entrant)
        lock, so no reader sees the Pending in between."""
        continued = any(a.HasField("completeOrchestration") and a.completeOrchestration.orchestrationStatus
                        == pb.ORCHESTRATION_STATUS_CONTINUED_AS_NEW for a in request.actions)
        with self._lock:
            response = super().CompleteOrchestratorTask(request, context)
            instance = self._instances.get(request.instanceId)
            if instance is not None:
                self._stamp(instance)
                if continued and instance.status == pb.ORCHESTRATION_STATUS_PENDING:
                    instance.status = pb.ORCHESTRATION_STATUS_RUNNING
        return response

    def _enqueue_orchestration(self, instance_id: str) -> None:
        # Every new event (activity result, timer, raised event, child outcome, terminate) is queued through here.
        with self._lock:
            instance = self._instances.get(instance_id)
            if instance is not None:
                self._stamp(instance)
            super()._enqueue_orchestration(instance_id)

    @staticmethod
    def _stamp(instance: Any) -> None:
        """Upstream leaves most history timestamps at 0 (1970-01-01); the extension records when each event
        happened. Unstamped events get the time they reached the store: new events on arrival, the events an episode
        produced (scheduled tasks, timers, completion) when the episode's result is stored."""
        now = datetime.now(timezone.utc)
        for event in instance.pending_events:
            if event.timestamp.seconds == 0 and event.timestamp.nanos == 0:
                event.timestamp.FromDatetime(now)
        for event in reversed(instance.history):   # only the tail can be new
            if event.timestamp.seconds or event.timestamp.nanos:
                break
            event.timestamp.FromDatetime(now)

    def _terminate_instance_internal(self, instance_id: str, output: str | None, recursive: bool = False) -> None:
        # The extension terminates only the instance named (children run on), which is what non-recursive does.
        super()._terminate_instance_internal(instance_id, output, recursive=False)


class _CapturingStub:
    """Passes calls through to the real stub, keeping the orchestrator's response for the invocation log."""

    def __init__(self, stub: Any):
        self._stub = stub
        self.response: pb.OrchestratorResponse | None = None

    def CompleteOrchestratorTask(self, response: pb.OrchestratorResponse) -> Any:  # noqa: N802 (gRPC name)
        self.response = response
        return self._stub.CompleteOrchestratorTask(response)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stub, name)


class _LoggingWorker(dt_worker.TaskHubGrpcWorker):
    """Logs each orchestrator episode as one function invocation, like the Functions host does."""

    def _execute_orchestrator(self, req: pb.OrchestratorRequest, stub: Any, completionToken: Any) -> None:  # noqa: N803
        name = next((e.executionStarted.name for e in [*req.pastEvents, *req.newEvents]
                     if e.HasField("executionStarted")), "<unknown>")
        capturing = _CapturingStub(stub)
        with invocation(name, f"OrchestrationTrigger {req.instanceId}") as inv:
            super()._execute_orchestrator(req, capturing, completionToken)
            actions = capturing.response.actions if capturing.response is not None else []
            for action in actions:
                if (action.HasField("completeOrchestration")
                        and action.completeOrchestration.orchestrationStatus == pb.ORCHESTRATION_STATUS_FAILED):
                    inv.outcome = "Failed"
                    inv.error = failure_text(action.completeOrchestration.failureDetails)


STACK_LINES = 12


def failure_text(details: pb.TaskFailureDetails) -> str:
    """`Type: message` and the end of the traceback: what the real host logs for a failed orchestrator."""
    text = f"{details.errorType or 'Exception'}: {details.errorMessage}"
    stack = details.stackTrace.value.strip() if details.HasField("stackTrace") else ""
    if stack:
        lines = stack.splitlines()
        shown = lines[-STACK_LINES:]
        text += "\nStack:" + ("\n  ..." if len(lines) > len(shown) else "") + "\n" + "\n".join(shown)
    return text


def _quiet(name: str) -> logging.Logger:
    """durabletask logs every episode at INFO; keep that out of the host log unless configured."""
    logger = logging.getLogger(name)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.WARNING)
    if not any(isinstance(f, _EngineNoiseFilter) for f in logger.filters):
        logger.addFilter(_EngineNoiseFilter())
    return logger


class DurableEngine:
    """Runs the app's orchestrators and activities; the host shell owns HTTP, keys and the process."""

    def __init__(self, *, orchestrators: dict[str, Callable], activities: dict[str, tuple[Callable, str]],
                 max_concurrent_activities: int, max_concurrent_orchestrators: int,
                 hub_name: str = "TestHubName", max_history_size: int = 1_000_000,
                 entities: dict[str, Callable] | None = None, activity_clients: dict[str, str] | None = None):
        self.orchestrators = dict(orchestrators)
        self.activities = dict(activities)
        self.entities = dict(entities or {})
        # Activities with a `durableClient` binding: name -> parameter; the host sets `client_factory` (invocation
        # id -> client with its keys and base URL) once it listens.
        self.activity_clients = dict(activity_clients or {})
        self.client_factory: Callable[[str], Any] | None = None
        self.hub_name = hub_name
        # Extra query parameters for the management URLs handed out (the host shell puts `code` here).
        self.management_query_params: dict[str, str] = {}
        self._max_activities = max_concurrent_activities
        self._max_orchestrators = max_concurrent_orchestrators
        self._max_history_size = max_history_size
        self._backend: _LoopbackBackend | None = None
        self._worker: _LoggingWorker | None = None
        self._client: dt_client.TaskHubGrpcClient | None = None

    # --- lifecycle -----------------------------------------------------------------------------------------
    def start(self) -> None:
        self._backend = _LoopbackBackend(max_history_size=self._max_history_size)
        address = self._backend.start()
        self._worker = _LoggingWorker(
            host_address=address,
            logger=_quiet("devhost.durable.worker"),
            concurrency_options=dt_worker.ConcurrencyOptions(
                maximum_concurrent_activity_work_items=self._max_activities,
                maximum_concurrent_orchestration_work_items=self._max_orchestrators,
                # Activities and orchestrator episodes share this pool; size it so neither limit starves the other.
                maximum_thread_pool_workers=self._max_activities + self._max_orchestrators,
            ),
            data_converter=CONVERTER,
            emit_trace_spans=False,
        )
        registry = self._worker._registry
        for name, generator_function in self.orchestrators.items():
            registry.add_named_orchestrator(name, orchestrator_for(name, generator_function))
        for name, (function, input_name) in self.activities.items():
            registry.add_named_activity(name, activity_for(name, function, input_name, self.activity_clients.get(name),
                                                           lambda: self.client_factory))
        for name, entity_function in self.entities.items():
            registry.add_named_entity(name, entity_for(name, entity_function))
        self._worker.start()
        self._client = dt_client.TaskHubGrpcClient(host_address=address, data_converter=CONVERTER,
                                                   logger=_quiet("devhost.durable.client"))
        log.info("Durable engine started: %d orchestrator(s), %d activity(ies), %d entity(ies), hub %s",
                 len(self.orchestrators), len(self.activities), len(self.entities), self.hub_name)

    def stop(self, grace_seconds: float = 10.0) -> None:
        """Stop taking work, let running activities finish for up to `grace_seconds`, then drop the backend."""
        worker = self._worker
        if worker is not None and worker._is_running:
            # Cancelling the work-item stream is reported by durabletask as a stream error; it is expected here.
            worker._logger.setLevel(max(worker._logger.level, logging.ERROR))
            worker._shutdown.set()
            stream = worker._response_stream
            if stream is not None:
                stream.cancel()
            self._discard_queued_work(worker)
            run_loop = worker._runLoop
            if run_loop is not None:
                run_loop.join(timeout=grace_seconds)
                if run_loop.is_alive():
                    log.warning("Durable engine: work still running after %.1fs grace; stopping anyway",
                                grace_seconds)
            worker._async_worker_manager.shutdown()
            worker._is_running = False
        if self._client is not None:
            self._client.close()
        if self._backend is not None:
            self._backend.stop(grace=None)
        self._worker = self._client = self._backend = None

    @staticmethod
    def _discard_queued_work(worker: dt_worker.TaskHubGrpcWorker) -> None:
        """Work items received but not started are dropped: the in-memory store dies with the host anyway."""
        manager = worker._async_worker_manager
        loop = manager._queue_event_loop
        if loop is None or loop.is_closed():
            return
        drained = threading.Event()

        def drain() -> None:
            for queue in (manager.activity_queue, manager.orchestration_queue, manager.entity_batch_queue):
                while queue is not None and not queue.empty():
                    queue.get_nowait()
                    queue.task_done()
            drained.set()

        try:
            loop.call_soon_threadsafe(drain)
        except RuntimeError:
            return
        drained.wait(timeout=2)

    # --- API for the host shell ----------------------------------------------------------------------------
    @property
    def grpc_client(self) -> dt_client.TaskHubGrpcClient:
        if self._client is None:
            raise RuntimeError("DurableEngine.start() has not been called (or stop() already was).")
        return self._client

    def client(self, base_url: str, function_invocation_id: str | None = None) -> LocalDurableOrchestrationClient:
        from devhost.durable.client import LocalDurableOrchestrationClient
        return LocalDurableOrchestrationClient(self, base_url, function_invocation_id)

    def add_management_routes(self, app: web.Application,
                              base_url_for: Callable[[web.Request], str]) -> None:
        from devhost.durable.routes import add_management_routes
        add_management_routes(app, self, base_url_for)
