"""`analysis_orchestrator` driven step by step with DF's `orchestrator_generator_wrapper` (no host, no database)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from azure.durable_functions.testing import orchestrator_generator_wrapper

from orchestrators.analysis import RETRY, analysis_orchestrator
from shared.analyzer.models import Plan

JOB = "analysis-" + "a" * 32
INPUT = {"jobId": JOB, "analysisType": "quick", "secretRef": "secret-1", "options": {}}


class Task:
    """Completes when first read. A failed task read by the replay wrapper (it was yielded) throws into the
    orchestrator; one read by orchestrator code (the children of `task_any`) returns its exception, as in DF."""

    _unset = object()

    def __init__(self, compute: Callable[[], Any]) -> None:
        self._compute = compute
        self._value: Any = self._unset
        self.throws = True

    @property
    def result(self) -> Any:
        if self._value is self._unset:
            try:
                self._value = self._compute()
            except Exception as exc:  # noqa: BLE001 - a failed activity
                self._value = exc
        if self.throws and isinstance(self._value, Exception):
            raise self._value
        return self._value


class Context:
    """Just the `DurableOrchestrationContext` surface the orchestrator uses; records every call."""

    def __init__(self, activities: dict[str, Callable[[dict], Any]]) -> None:
        self.activities = activities
        self.calls: list[tuple[str, dict]] = []
        self.statuses: list[dict] = []
        self.waves: list[int] = []
        self.in_flight: list[list[int]] = []  # batch indexes in flight at each task_any
        self.finish_order: list[int] | None = None  # batch indexes in the order they finish (default: as started)

    def get_input(self) -> dict:
        return INPUT

    def set_custom_status(self, status: dict) -> None:
        self.statuses.append(status)

    def call_activity_with_retry(self, name: str, retry: Any, payload: dict) -> Task:
        assert retry is RETRY
        self.calls.append((name, payload))
        task = Task(lambda: self.activities[name](payload))
        task.batch_index = payload.get("index")  # type: ignore[attr-defined]
        return task

    def task_all(self, tasks: list[Task]) -> Task:
        self.waves.append(len(tasks))
        return Task(lambda: [t.result for t in tasks])

    def task_any(self, tasks: list[Task]) -> Task:
        indexes = [t.batch_index for t in tasks]  # type: ignore[attr-defined]
        self.in_flight.append(indexes)
        for task in tasks:
            task.throws = False
        order = self.finish_order or sorted(indexes)
        winner = min(tasks, key=lambda t: order.index(t.batch_index))  # type: ignore[attr-defined]
        return Task(lambda: winner)


def run(context: Context) -> Any:
    generator_function = analysis_orchestrator._function._func.orchestrator_function  # the user's generator
    steps = list(orchestrator_generator_wrapper(generator_function(context)))
    return steps[-1]


def plan(batches: int, ok: bool = True, error: str | None = None) -> Callable[[dict], dict]:
    return lambda payload: Plan(ok, error, [[f"c{i}a", f"c{i}b"] for i in range(batches)], batches * 2 + 1, 1,
                                2, 30).to_json()


def batch_ok(payload: dict) -> dict:
    return {"ok": True, "completed": len(payload["checkIds"]), "findings": 1, "skipped": 0}


def finalize(payload: dict) -> dict:
    return {"status": "Failed" if payload["error"] else "Completed"}


def test_batches_run_at_most_max_parallel_at_once_and_progress_moves() -> None:
    context = Context({"analysis_plan": plan(5), "analysis_run_checks": batch_ok, "analysis_finalize": finalize})
    result = run(context)
    assert result == {"status": "Completed", "error": None, "checksCompleted": 11, "checksTotal": 11}
    assert context.waves == [] and [len(w) for w in context.in_flight] == [2, 2, 2, 2, 1]
    batches = [p for name, p in context.calls if name == "analysis_run_checks"]
    assert [b["index"] for b in batches] == [0, 1, 2, 3, 4]
    assert all(b["secretRef"] == "secret-1" and b["timeoutSeconds"] == 30 for b in batches)
    percentages = [s["progressPercentage"] for s in context.statuses]
    assert percentages == sorted(percentages) and percentages[-1] == 100
    assert [s["checksCompleted"] for s in context.statuses if "batches" in s["currentStep"]] == [1, 3, 5, 7, 9, 11]
    assert context.calls[-1] == ("analysis_finalize", {"jobId": JOB, "error": None})


def test_payloads_carry_references_never_connection_strings() -> None:
    context = Context({"analysis_plan": plan(2), "analysis_run_checks": batch_ok, "analysis_finalize": finalize})
    run(context)
    for _, payload in context.calls:
        assert not any("connectionString" in str(k) or "Driver=" in str(v) for k, v in payload.items())


def test_permanent_plan_failure_fails_fast_without_running_checks() -> None:
    context = Context({"analysis_plan": plan(0, ok=False, error="cannot log in to 127.0.0.1:3306: refused"),
                       "analysis_run_checks": batch_ok, "analysis_finalize": finalize})
    result = run(context)
    assert result["status"] == "Failed"
    assert [name for name, _ in context.calls] == ["analysis_plan", "analysis_finalize"]
    assert context.calls[-1][1]["error"] == "cannot log in to 127.0.0.1:3306: refused"


def test_exhausted_retries_report_the_target_without_internals() -> None:
    def unreachable(payload: dict) -> dict:
        raise Exception("Activity function 'analysis_plan' failed: TargetError: cannot connect to 127.0.0.1:1\n"
                        "Traceback (most recent call last): ... Pwd=hunter2")

    context = Context({"analysis_plan": unreachable, "analysis_finalize": finalize})
    assert run(context)["status"] == "Failed"
    error = context.calls[-1][1]["error"]
    assert error == "cannot connect to 127.0.0.1:1 (after 3 attempts)"


def test_unexpected_activity_errors_are_reported_by_step_only() -> None:
    def broken(payload: dict) -> dict:
        raise Exception("KeyError: Pwd=hunter2")

    context = Context({"analysis_plan": plan(3), "analysis_run_checks": broken, "analysis_finalize": finalize})
    run(context)
    error = context.calls[-1][1]["error"]
    assert "hunter2" not in error and error.startswith("running checks failed unexpectedly")


def test_a_slow_batch_does_not_hold_back_the_next_one() -> None:
    """Batch 0 is slow: batches 2, 3 and 4 start on the other connection as each predecessor ends (a wave would
    have waited for batch 0 before starting batch 2)."""
    context = Context({"analysis_plan": plan(5), "analysis_run_checks": batch_ok, "analysis_finalize": finalize})
    context.finish_order = [1, 2, 3, 0, 4]
    assert run(context)["status"] == "Completed"
    assert context.in_flight == [[0, 1], [0, 2], [0, 3], [0, 4], [4]]


def test_a_failed_batch_stops_starting_batches() -> None:
    def second_fails(payload: dict) -> dict:
        if payload["index"] == 1:
            return {"ok": False, "error": "cannot log in to db:5432: the server refused the credentials"}
        return batch_ok(payload)

    context = Context({"analysis_plan": plan(6), "analysis_run_checks": second_fails, "analysis_finalize": finalize})
    result = run(context)
    assert result["status"] == "Failed" and context.in_flight == [[0, 1], [1, 2]]
    assert [p["index"] for name, p in context.calls if name == "analysis_run_checks"] == [0, 1, 2]
    assert "refused the credentials" in context.calls[-1][1]["error"]
    assert result["checksCompleted"] == 1 + 2  # skipped at plan time + batch 0


def test_a_batch_that_exhausts_its_retries_fails_the_job_naming_the_target() -> None:
    def unreachable(payload: dict) -> dict:
        raise Exception("Activity function 'analysis_run_checks' failed: TargetError: cannot connect to db:5432\n"
                        "Traceback ... Pwd=hunter2")

    context = Context({"analysis_plan": plan(4), "analysis_run_checks": unreachable, "analysis_finalize": finalize})
    assert run(context)["status"] == "Failed"
    assert context.calls[-1][1]["error"] == "cannot connect to db:5432 (after 3 attempts)"


def test_nothing_to_run_still_completes() -> None:
    context = Context({"analysis_plan": plan(0), "analysis_finalize": finalize})
    assert run(context)["status"] == "Completed" and context.in_flight == []


# -- the plan's batches: what the sliding window runs first -----------------------------------------------------
def _pg_checks() -> list:
    from shared.analyzer import catalog

    return catalog.select("postgresql", "comprehensive")


def test_batches_cover_every_check_once_longest_first_with_the_lint_at_the_front() -> None:
    from shared.analyzer.planning import WAVES_TARGET, batch, cost

    checks = _pg_checks()
    batches = batch(checks, 2)
    assert len(batches) == 2 * WAVES_TARGET
    assert sorted(i for b in batches for i in b) == sorted(c.id for c in checks)
    # the lint (the costliest check) opens the first batch; with 70+ checks the other batches outweigh it alone, so
    # cheap checks fill its batch up to the average load
    assert batches[0][0] == "pg-stored-code-lint"
    by_id = {c.id: c for c in checks}
    loads = [sum(cost(by_id[i]) for i in b) for b in batches]
    assert loads == sorted(loads, reverse=True)
    expensive = [i for i, b in enumerate(batches) for c in b if by_id[c].expensive]
    assert len(expensive) == len(set(expensive))  # never two expensive checks in one batch


def test_measured_durations_reorder_the_batches() -> None:
    from shared.analyzer.planning import batch

    checks = _pg_checks()
    measured = {c.id: 10 for c in checks} | {"pg-unused-index": 900, "pg-stored-code-lint": 400}
    batches = batch(checks, 2, measured)
    assert batches[0] == ["pg-unused-index"] and batches[1] == ["pg-stored-code-lint"]
    assert sorted(len(b) for b in batch(checks[:3], 4)) == [1, 1, 1]  # never more batches than checks


class WaitingContext(Context):
    """Adds the admission wait: the `admission-granted` event and the fallback timer. `events` says, per wait,
    whether the event comes (True) or the timer fires first (False); each timer's length is recorded."""

    def __init__(self, activities: dict[str, Callable[[dict], Any]], events: list[bool]) -> None:
        super().__init__(activities)
        from datetime import datetime, timezone

        self.current_utc_datetime = datetime(2026, 1, 1, tzinfo=timezone.utc)
        self.waits: list[float] = []
        self.events = list(events)
        self.awaited: list[str] = []
        self.canceled = 0

    def create_timer(self, fire_at: Any) -> Task:
        self.waits.append((fire_at - self.current_utc_datetime).total_seconds())
        timer = Task(lambda: None)
        timer.is_completed = False  # type: ignore[attr-defined]
        timer.cancel = lambda: setattr(self, "canceled", self.canceled + 1)  # type: ignore[attr-defined]
        return timer

    def wait_for_external_event(self, name: str) -> Task:
        self.awaited.append(name)
        return Task(lambda: None)

    def task_any(self, tasks: list[Task]) -> Task:
        if any(hasattr(t, "batch_index") for t in tasks):
            return super().task_any(tasks)
        event, timer = tasks
        winner = event if self.events.pop(0) else timer
        return Task(lambda: winner)


def test_a_job_not_admitted_waits_for_its_event_or_the_fallback_timer_and_asks_again() -> None:
    answers = [Plan(False, None, waiting="waiting for sqlite:x (3 ahead)", ahead=2).to_json(),
               Plan(False, None, waiting="waiting for sqlite:x (1 ahead)", ahead=0).to_json()]

    def admitting_plan(payload: dict) -> dict:
        return answers.pop(0) if answers else plan(1)(payload)

    context = WaitingContext({"analysis_plan": admitting_plan, "analysis_run_checks": batch_ok,
                              "analysis_finalize": finalize}, events=[False, True])
    assert run(context)["status"] == "Completed"
    assert [name for name, _ in context.calls][:3] == ["analysis_plan"] * 3
    assert context.awaited == ["admission-granted"] * 2
    assert context.waits == [7.0, 5.0]  # fallback only: 5 s, plus 1 s per job waiting in front
    assert context.canceled == 1  # the event came first: its timer is canceled, not left to fire
    steps = [s["currentStep"] for s in context.statuses]
    assert steps[1:3] == ["waiting for sqlite:x (3 ahead)", "waiting for sqlite:x (1 ahead)"]
