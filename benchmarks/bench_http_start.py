"""Latency of starting an orchestration over HTTP: from the POST to the 202 check-status response, through the
local host (aiohttp, auth, the DF client adapter, durabletask's in-memory backend), p50/p99 over 200 requests."""
from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

import requests

from devhost.azurite import Azurite
from tests.support.local_host import LocalHost

REQUESTS = 200
WARM_UP = 10


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main(requests_count: int = REQUESTS) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="bench-http-"))
    azurite = Azurite(folder / "azurite").start()
    host = LocalHost(app="tests.devhost_app.function_app:app",
                     env={"DEVHOST_TEST_WORK_QUEUE": "bench-work", "DEVHOST_TEST_FAIL_QUEUE": "bench-fail",
                          "FUNCTIONS_DEVHOST_LOG_LEVEL": "WARNING"},
                     storage_connection_string=azurite.connection_string, workdir=folder / "host")
    try:
        host.start()
        url = host.url("/api/start/host_hello_orchestrator")
        with requests.Session() as session:
            for _ in range(WARM_UP):
                session.post(url, json="warm-up").raise_for_status()
            timings = []
            for i in range(requests_count):
                started = time.perf_counter()
                response = session.post(url, json=f"bench-{i}")
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 202, response.text
        figures = {"p50_ms": statistics.median(timings), "p99_ms": percentile(timings, 0.99),
                   "max_ms": max(timings), "mean_ms": statistics.fmean(timings)}
        print(f"HTTP start -> 202 over {requests_count} requests: p50 {figures['p50_ms']:.1f} ms, "
              f"p99 {figures['p99_ms']:.1f} ms, max {figures['max_ms']:.1f} ms, mean {figures['mean_ms']:.1f} ms",
              flush=True)
        return figures
    finally:
        host.stop()
        azurite.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
