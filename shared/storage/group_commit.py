"""Group commit: the small write transactions of concurrent callers committed together, one commit for many.

A commit is the expensive part of a start's writes: SQLite fsyncs its WAL at every commit (`synchronous=FULL`,
~2 ms here) under one process-wide writer lock, so 200 concurrent starts queued 200 fsyncs one after the other
(benchmarks/bench_start_burst.py); on a server database each commit is a round trip and a WAL flush. Here the
callers that arrive while a batch is being written wait for the next batch, and that batch runs all their writes in
one transaction. Each caller is answered only after the commit that holds its rows, so nothing is acknowledged
before it is durable (a 202 still means the job is recorded). A batch whose transaction fails is rolled back and
its writes are run again one by one, so one caller's bad row never fails the others; the writes must therefore be
plain statements that can run again after a rollback (no side effects outside the database).
"""
from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from shared.storage.db import Database

T = TypeVar("T")

MAX_BATCH = 64  # bounds one transaction's length (and how long it holds SQLite's writer lock): ~64 × 0.4 ms
# Batches written at once, each on its own worker thread and connection: a server database overlaps their round
# trips (a batch of 64 is ~200 statements one after the other); SQLite takes them in turn at its writer lock,
# the next batch filling while the previous one commits. The threads are the committer's own: batches waiting for
# SQLite's writer lock must not hold the loop's default executor, which the durable client's calls and every other
# `asyncio.to_thread` of the handlers share.
MAX_IN_FLIGHT = 4


@dataclass
class _Item(Generic[T]):
    write: Callable[[Database], T]
    future: asyncio.Future[T]


@dataclass
class _LoopState:
    pending: list[_Item[Any]] = field(default_factory=list)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)  # the drains running (held: not garbage-collected)


class GroupCommitter:
    """Batches `write(db)` calls made from one event loop into shared transactions (see the module docstring)."""

    def __init__(self, database: Callable[[], Database], max_batch: int = MAX_BATCH,
                 max_in_flight: int = MAX_IN_FLIGHT) -> None:
        self._database = database
        self._max_batch = max(1, max_batch)
        self._max_in_flight = max(1, max_in_flight)
        self._executor = ThreadPoolExecutor(max_workers=self._max_in_flight, thread_name_prefix="group-commit")
        self._states: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = \
            weakref.WeakKeyDictionary()

    async def run(self, write: Callable[[Database], T]) -> T:
        """`write(db)` inside a transaction shared with other callers; returns its result once committed."""
        loop = asyncio.get_running_loop()
        state = self._states.setdefault(loop, _LoopState())
        item: _Item[T] = _Item(write, loop.create_future())
        state.pending.append(item)
        if len(state.tasks) < self._max_in_flight:
            task = loop.create_task(self._drain(state))
            state.tasks.add(task)
            task.add_done_callback(state.tasks.discard)
        return await item.future

    async def _drain(self, state: _LoopState) -> None:
        """Write batches while callers are waiting; the callers that arrive meanwhile form the next batch."""
        await asyncio.sleep(0)  # let the callers already scheduled on this loop join the first batch
        while state.pending:
            batch = state.pending[:self._max_batch]
            del state.pending[:self._max_batch]
            try:
                outcomes = await asyncio.get_running_loop().run_in_executor(
                    self._executor, self._write_batch, [item.write for item in batch])
            except BaseException as exc:  # noqa: BLE001 - the thread itself failed: every waiter learns it
                outcomes = [(False, exc)] * len(batch)
            for item, (ok, value) in zip(batch, outcomes, strict=True):
                if item.future.done():
                    continue
                if ok:
                    item.future.set_result(value)
                else:
                    item.future.set_exception(value)

    def _write_batch(self, writes: list[Callable[[Database], Any]]) -> list[tuple[bool, Any]]:
        db = self._database()
        try:
            with db.transaction():
                results = [write(db) for write in writes]
            return [(True, result) for result in results]
        except Exception as exc:  # noqa: BLE001 - rolled back: run each write alone, so only the bad one fails
            if len(writes) == 1:
                return [(False, exc)]
        outcomes: list[tuple[bool, Any]] = []
        for write in writes:
            try:
                with db.transaction():
                    outcomes.append((True, write(db)))
            except Exception as exc:  # noqa: BLE001 - this caller's own failure
                outcomes.append((False, exc))
        return outcomes
