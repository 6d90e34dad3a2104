"""Run the same call on two threads released together (each thread has its own connection in `Database`)."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from shared.storage.db import Database


def race(database: Database, *calls: Callable[[], Any]) -> list[Any]:
    """Results (or raised exceptions) of `calls`, started at the same moment on their own threads."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            database.migrate()
            barrier.wait(timeout=10)
            results[i] = call()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            results[i] = exc
        finally:
            database.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results
