"""Durable Functions task objects backed by durabletask tasks.

The orchestrator sees DF semantics (`task.result`, `task_any` returning the winning task, `task_all` failing on
the first failure, `TimerTask.cancel()`); durabletask sees its own tasks, so its replay engine stays in charge.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from azure.durable_functions.models.Task import TaskState
from durabletask import task as dt

from devhost.durable.failures import task_failed_exception


class LocalTask:
    """Base of the tasks handed to orchestrator code."""

    _dt: dt.Task[Any]

    def _outcome(self) -> tuple[Any, Exception | None]:
        """(value to send into the generator, exception to throw into it) once complete."""
        raise NotImplementedError

    @property
    def is_completed(self) -> bool:
        return self._dt.is_complete

    @property
    def is_faulted(self) -> bool:
        return self.is_completed and self._outcome()[1] is not None

    @property
    def state(self) -> TaskState:
        if not self.is_completed:
            return TaskState.RUNNING
        return TaskState.FAILED if self._outcome()[1] is not None else TaskState.SUCCEEDED

    @property
    def result(self) -> Any:
        """Like DF: None while running, the value when done, the exception when failed."""
        if not self.is_completed:
            return None
        value, error = self._outcome()
        return error if error is not None else value


class AtomicLocalTask(LocalTask):
    """One activity, sub-orchestration, timer or external event."""

    def __init__(self, dt_task: dt.Task[Any], on_failure: Callable[[dt.TaskFailedError], Exception] | None = None):
        self._dt = dt_task
        self._on_failure = on_failure

    def _outcome(self) -> tuple[Any, Exception | None]:
        if self._dt.is_failed:
            error = self._dt.get_exception()
            return None, self._on_failure(error) if self._on_failure else error
        if isinstance(self._dt, dt.CancellableTask) and self._dt.is_cancelled:
            return None, None
        return self._dt.get_result(), None


def activity_failure(kind: str, name: str) -> Callable[[dt.TaskFailedError], Exception]:
    return lambda error: task_failed_exception(kind, name, error.details)


class TimerTask(AtomicLocalTask):
    """DF's TimerTask: `cancel()` lets a timeout timer stop holding the orchestration open."""

    def cancel(self) -> None:
        if self._dt.is_complete:
            raise ValueError("Cannot cancel a completed task.")
        self._timer.cancel()

    @property
    def is_cancelled(self) -> bool:
        return self._timer.is_cancelled

    @property
    def _timer(self) -> dt.CancellableTask[Any]:
        assert isinstance(self._dt, dt.CancellableTask), "create_timer returns a cancellable task"
        return self._dt


class _FirstOf(dt.CompositeTask[Any]):
    """Completes on the first child, or on the first failure when `fail_fast`, else when all are done.

    durabletask's WhenAll waits for every child even after a failure and never completes on an empty list;
    DF completes at once on both, so the composite rules live here.
    """

    def __init__(self, tasks: list[dt.Task[Any]], *, any_child: bool):
        self._any_child = any_child
        self.first: dt.Task[Any] | None = None
        self.first_failed: dt.Task[Any] | None = None
        self._done_children = 0
        self._result = None
        super().__init__(tasks)
        if not tasks:
            self._is_complete = True

    def on_child_completed(self, task: dt.Task[Any]) -> None:
        if self.is_complete:
            return
        pending = self._pending_children.pop(id(task), None)
        if pending is None:
            return
        self._done_children += pending[1]
        if self.first is None:
            self.first = task
        if task.is_failed and self.first_failed is None:
            self.first_failed = task
        if self._any_child or self.first_failed is not None or self._done_children == len(self._tasks):
            self._is_complete = True
            if not self._any_child and self.first_failed is not None:
                # Visible to an enclosing task_all, which must fail fast too.
                self._exception = self.first_failed.get_exception()
            self._notify_parent()


class WhenAllTask(LocalTask):
    def __init__(self, children: list[LocalTask]):
        self.children = list(children)
        self._dt = _FirstOf([c._dt for c in self.children], any_child=False)

    def _outcome(self) -> tuple[Any, Exception | None]:
        composite: _FirstOf = self._dt  # type: ignore[assignment]
        if not self.children:
            return None, None  # DF resolves an empty task_all to None
        if composite.first_failed is not None:
            failed = next(c for c in self.children if c._dt is composite.first_failed)
            return None, failed._outcome()[1]
        return [c._outcome()[0] for c in self.children], None


class WhenAnyTask(LocalTask):
    def __init__(self, children: list[LocalTask]):
        self.children = list(children)
        self._dt = _FirstOf([c._dt for c in self.children], any_child=True)

    def _outcome(self) -> tuple[Any, Exception | None]:
        composite: _FirstOf = self._dt  # type: ignore[assignment]
        if composite.first is None:
            return None, None
        return next(c for c in self.children if c._dt is composite.first), None
