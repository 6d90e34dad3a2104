"""Promptness of the analyzer's cancel and long-poll (the figures the e2e tests used to assert as time bounds).

A job hangs on a login that never completes (a port that accepts and never answers). Measured per round, over
ROUNDS jobs on one warm host: the cancel request's latency (POST .../cancel → 200 Canceled), and how soon a parked
`status?wait=30` answers after the cancel returns (the job row is re-read every 0.1 s, so ~0.1-0.2 s is expected;
the deadline would be 30 s). Also the unreachable-host case: POST start → Failed for a closed port. Prints
p50/max of each.
"""
from __future__ import annotations

import shutil
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

from devhost.azurite import Azurite
from tests.e2e.analysis_support import host_env, start, status, wait_final
from tests.support.fixtures import hanging_listener
from tests.support.local_host import LocalHost

ROUNDS = 5
PG = "Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=%d;Database=postgres;Uid=postgres;Pwd=x;"




def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _round(host: LocalHost, port: int) -> tuple[float, float]:
    job_id = start(host, {"connectionString": PG % port})["jobId"]
    while status(host, job_id)["currentStep"] != "connecting and planning":
        time.sleep(0.05)
    answered: dict[str, float] = {}
    parked = threading.Event()

    def long_poll() -> None:
        parked.set()
        status(host, job_id, wait=30)
        answered["at"] = time.perf_counter()

    poller = threading.Thread(target=long_poll)
    poller.start()
    parked.wait()
    time.sleep(0.7)
    began = time.perf_counter()
    response = host.post(f"/api/v1/analysis/{job_id}/cancel", timeout=60)
    canceled = time.perf_counter()
    assert response.status_code == 200 and response.json()["status"] == "Canceled", response.text
    poller.join()
    return canceled - began, answered["at"] - canceled


def main(rounds: int = ROUNDS) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="bench-cancel-"))
    azurite = Azurite(folder / "azurite").start()
    listener, _ = hanging_listener()
    host = LocalHost(app="function_app:app", env={**host_env(), "FUNCTIONS_DEVHOST_LOG_LEVEL": "WARNING"},
                     storage_connection_string=azurite.connection_string, workdir=folder / "host", grace=3)
    try:
        host.start()
        port = int(listener.getsockname()[1])
        cancels, polls = zip(*(_round(host, port) for _ in range(rounds)), strict=True)
        began = time.perf_counter()
        final = wait_final(host, start(host, {"connectionString": PG % _closed_port()})["jobId"])[-1]
        unreachable = time.perf_counter() - began
        figures = {"cancel_p50_s": statistics.median(cancels), "cancel_max_s": max(cancels),
                   "long_poll_after_cancel_p50_s": statistics.median(polls),
                   "long_poll_after_cancel_max_s": max(polls), "unreachable_to_failed_s": unreachable}
        print(f"cancel over {rounds} hanging jobs: p50 {figures['cancel_p50_s']:.3f} s, max "
              f"{figures['cancel_max_s']:.3f} s; parked long-poll answered after the cancel: p50 "
              f"{figures['long_poll_after_cancel_p50_s']:.3f} s, max {figures['long_poll_after_cancel_max_s']:.3f} s "
              f"(deadline 30 s); closed port → {final['status']} in {unreachable:.1f} s", flush=True)
        return figures
    finally:
        host.stop()
        listener.close()
        azurite.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
