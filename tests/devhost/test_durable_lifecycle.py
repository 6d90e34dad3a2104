"""Engine lifecycle: concurrency limits from host.json are applied, and stop() lets running activities finish."""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from devhost.durable import DurableEngine
from tests.support.waiting import HANG_GUARD_S


def _engine(tmp_path: Path, max_activities: int) -> tuple[DurableEngine, dict[str, Any]]:
    seen: dict[str, Any] = {"running": 0, "peak": 0, "lock": threading.Lock()}

    def slow(spec: dict[str, Any]) -> str:
        with seen["lock"]:
            seen["running"] += 1
            seen["peak"] = max(seen["peak"], seen["running"])
        time.sleep(spec["seconds"])
        Path(spec["marker"]).write_text("finished")
        with seen["lock"]:
            seen["running"] -= 1
        return "ok"

    def fan(context):
        spec = context.get_input()
        yield context.task_all([context.call_activity("slow", {**spec, "marker": f"{spec['marker']}-{i}"})
                                for i in range(spec["count"])])
        return "done"

    engine = DurableEngine(orchestrators={"fan": fan}, activities={"slow": (slow, "spec")},
                           max_concurrent_activities=max_activities, max_concurrent_orchestrators=1)
    return engine, seen


def test_max_concurrent_activities_is_applied(tmp_path):
    engine, seen = _engine(tmp_path, max_activities=2)
    engine.start()
    try:
        client = engine.grpc_client
        instance_id = client.schedule_new_orchestration(
            "fan", input={"seconds": 0.1, "marker": str(tmp_path / "m"), "count": 6})
        state = client.wait_for_orchestration_completion(instance_id, timeout=HANG_GUARD_S)
        assert state is not None and state.serialized_output == '"done"'
    finally:
        engine.stop(grace_seconds=2)
    assert seen["peak"] == 2


def test_stop_waits_for_running_activities_within_the_grace_period(tmp_path):
    engine, seen = _engine(tmp_path, max_activities=4)
    engine.start()
    engine.grpc_client.schedule_new_orchestration(
        "fan", input={"seconds": 0.6, "marker": str(tmp_path / "m"), "count": 2})
    deadline = time.monotonic() + HANG_GUARD_S
    while seen["running"] < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert seen["running"] == 2
    engine.stop(grace_seconds=5)
    assert sorted(p.read_text() for p in tmp_path.glob("m-*")) == ["finished", "finished"]
