"""Fan-out throughput of the local durable engine: the DF adapter vs. plain durabletask on the same backend.

Both sides run N trivial activities under one `task_all`/`when_all` on durabletask's in-memory backend with the
same concurrency settings; the ratio shows what the Durable Functions adapter costs. Invocation logging is left
at WARNING so both sides do the same I/O.

    python -m benchmarks.bench_fanout            # 1,000 and 10,000 activities
    python -m benchmarks.bench_fanout 500 2000   # other sizes
"""
from __future__ import annotations

import logging
import sys
import time
from typing import Any

from durabletask import task as dt_task
from durabletask import worker as dt_worker
from durabletask.client import TaskHubGrpcClient

from devhost.durable import DurableEngine
from devhost.durable.engine import _LoopbackBackend

MAX_ACTIVITIES = 8
MAX_ORCHESTRATORS = 8
TIMEOUT_SECONDS = 900


def df_fan_out(context: Any):
    count = context.get_input()
    results = yield context.task_all([context.call_activity("bench_noop", i) for i in range(count)])
    return len(results)


def noop(value: int) -> int:
    return value


def plain_fan_out(ctx: dt_task.OrchestrationContext, count: int):
    results = yield dt_task.when_all([ctx.call_activity("bench_noop", input=i) for i in range(count)])
    return len(results)


def plain_noop(ctx: dt_task.ActivityContext, value: int) -> int:
    return value


def run_adapter(count: int) -> float:
    engine = DurableEngine(orchestrators={"bench_fan_out": df_fan_out}, activities={"bench_noop": (noop, "value")},
                           max_concurrent_activities=MAX_ACTIVITIES, max_concurrent_orchestrators=MAX_ORCHESTRATORS)
    engine.start()
    try:
        return _timed(engine.grpc_client, "bench_fan_out", count)
    finally:
        engine.stop(grace_seconds=5)


def run_plain(count: int) -> float:
    backend = _LoopbackBackend(max_history_size=1_000_000)
    address = backend.start()
    logger = logging.getLogger("bench.plain")
    logger.setLevel(logging.WARNING)
    worker = dt_worker.TaskHubGrpcWorker(
        host_address=address, logger=logger, emit_trace_spans=False,
        concurrency_options=dt_worker.ConcurrencyOptions(
            maximum_concurrent_activity_work_items=MAX_ACTIVITIES,
            maximum_concurrent_orchestration_work_items=MAX_ORCHESTRATORS,
            maximum_thread_pool_workers=MAX_ACTIVITIES + MAX_ORCHESTRATORS))
    worker._registry.add_named_orchestrator("bench_fan_out", plain_fan_out)
    worker._registry.add_named_activity("bench_noop", plain_noop)
    worker.start()
    client = TaskHubGrpcClient(host_address=address, logger=logger)
    try:
        return _timed(client, "bench_fan_out", count)
    finally:
        worker._logger.setLevel(logging.ERROR)
        worker.stop()
        client.close()
        backend.stop()


def _timed(client: TaskHubGrpcClient, name: str, count: int) -> float:
    started = time.perf_counter()
    instance_id = client.schedule_new_orchestration(name, input=count)
    state = client.wait_for_orchestration_completion(instance_id, timeout=TIMEOUT_SECONDS)
    elapsed = time.perf_counter() - started
    if state is None or state.serialized_output != str(count):
        raise RuntimeError(f"fan-out of {count} did not complete correctly: {state}")
    return elapsed


def main(sizes: list[int]) -> None:
    logging.basicConfig(level=logging.WARNING)
    print(f"fan-out benchmark (in-memory durabletask backend, {MAX_ACTIVITIES} concurrent activities; "
          "best of 3 up to 2,000 activities)")
    print(f"{'activities':>10} {'adapter s':>10} {'adapter/s':>10} {'plain s':>10} {'plain/s':>10} {'ratio':>6}")
    for count in sizes:
        # Two cores and the GIL make single runs noisy; alternate the sides and keep each side's best.
        repeats = 3 if count <= 2000 else 1
        plain = adapter = float("inf")
        for _ in range(repeats):
            plain = min(plain, run_plain(count))
            adapter = min(adapter, run_adapter(count))
        print(f"{count:>10} {adapter:>10.2f} {count / adapter:>10.0f} {plain:>10.2f} {count / plain:>10.0f} "
              f"{adapter / plain:>6.2f}", flush=True)


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [1000, 10000])
