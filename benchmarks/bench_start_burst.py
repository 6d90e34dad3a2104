"""A burst of analysis starts (issue 7, load): 200 concurrent `POST /api/v1/analysis/start` through the local host,
with `/api/health` probed every 20 ms while they are in flight, on SQLite and on the PostgreSQL application
database. Aim: every start accepted (202), no 5xx, accept p99 ≤ 250 ms, health ≤ 100 ms during the burst.

The figure is how long a caller waits for its 202 (the job row, the encrypted secret and the durable start), not
the analyses themselves: each target is the small sample SQLite database, so they finish soon after.

What bounds it is printed with it: the host process's CPU time over the burst (per start; the event-loop thread,
which parses, validates and answers, apart from the other threads: database writes, the durable engine, and the
analyses the starts set off), the benchmark client's own CPU, the burst's wall time and the load average. 200
requests sent at once are answered one event-loop turn at a time under one GIL, so the last 202 comes after roughly
all the host's CPU work of the burst; when the burst's wall time is well above the host's CPU time, the host was
waiting for a core (other processes on the machine).

The floor is measured first, in the same run: the same burst against `benchmarks.floor_server`, a bare aiohttp
server with the same two routes and no work behind them. The aim minus the floor's p99 is the time the app's own
work for 200 starts may take; divided by 200, the CPU one start may cost, printed beside what it does cost.
"""
from __future__ import annotations

import asyncio
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from cryptography.fernet import Fernet

from devhost.azurite import Azurite
from tests.support.databases import postgres_server
from tests.support.local_host import LocalHost

STARTS = 200
WARM_UP = 5
ACCEPT_AIM_MS = 250.0
HEALTH_AIM_MS = 100.0
HEALTH_EVERY_S = 0.02
SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "shop.db"


def process_cpu_seconds(pid: int) -> tuple[float, float]:
    """(whole process, its main thread) user + system CPU seconds, from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")

    def read(path: str) -> float:
        with open(path) as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick
    return read(f"/proc/{pid}/stat"), read(f"/proc/{pid}/task/{pid}/stat")


def client_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


async def _burst(host: LocalHost | FloorHost, body: dict[str, str], count: int
                 ) -> tuple[list[float], list[int], list[float], dict[str, float]]:
    headers = {"x-functions-key": host.function_key}
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, headers=headers) as session:
        for _ in range(WARM_UP):
            async with session.post(host.url("/api/v1/analysis/start"), json=body) as response:
                assert response.status == 202, await response.text()
        health: list[float] = []
        done = asyncio.Event()

        async def probe() -> None:
            while not done.is_set():
                began = time.perf_counter()
                async with session.get(host.url("/api/health")) as response:
                    await response.read()
                    assert response.status == 200, response.status
                health.append((time.perf_counter() - began) * 1000)
                await asyncio.sleep(HEALTH_EVERY_S)

        async def one() -> tuple[float, int]:
            began = time.perf_counter()
            async with session.post(host.url("/api/v1/analysis/start"), json=body) as response:
                await response.read()
                return (time.perf_counter() - began) * 1000, response.status

        prober = asyncio.create_task(probe())
        await asyncio.sleep(0.05)
        assert host.process is not None
        host_before, main_before = process_cpu_seconds(host.process.pid)
        client_before, began = client_cpu_seconds(), time.perf_counter()
        results = await asyncio.gather(*(one() for _ in range(count)))
        wall = time.perf_counter() - began
        host_after, main_after = process_cpu_seconds(host.process.pid)
        cpu = {"burst_wall_s": wall, "host_cpu_ms_per_start": (host_after - host_before) * 1000 / count,
               "loop_thread_cpu_ms_per_start": (main_after - main_before) * 1000 / count,
               "client_cpu_s": client_cpu_seconds() - client_before, "load_average_1m": os.getloadavg()[0]}
        done.set()
        await prober
    return [t for t, _ in results], [s for _, s in results], health, cpu


class FloorHost:
    """`benchmarks.floor_server` in a child process, with what `_burst` uses of a `LocalHost`."""

    function_key = "floor"

    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.process: subprocess.Popen[str] | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> FloorHost:
        self.process = subprocess.Popen([sys.executable, "-m", "benchmarks.floor_server", str(self.port)],
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None and self.process.stdout.readline().strip() == "ready"
        return self

    def __exit__(self, *_: object) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=10)


def floor(count: int) -> dict[str, float]:
    """The same burst against a bare aiohttp server: what the HTTP stack and the client cost here."""
    with FloorHost() as bare:
        body = {"connectionString": f"Driver={{SQLite3}};Database={SAMPLE};"}  # the same size as the app's
        accepts, statuses, health, cpu = asyncio.run(_burst(bare, body, count))
    assert all(s == 202 for s in statuses), statuses
    figures = {"accept_p50_ms": statistics.median(accepts), "accept_p99_ms": percentile(accepts, 0.99),
               "health_max_ms": max(health) if health else float("nan"), **cpu}
    room = ACCEPT_AIM_MS - figures["accept_p99_ms"]
    print(f"[floor] bare aiohttp server, same {count} concurrent requests and client: accept p50 "
          f"{figures['accept_p50_ms']:.1f} ms, p99 {figures['accept_p99_ms']:.1f} ms, health max "
          f"{figures['health_max_ms']:.1f} ms; server CPU {cpu['host_cpu_ms_per_start']:.2f} ms per request; "
          f"the aim leaves {room:.0f} ms for the app's work on {count} starts = "
          f"{max(room, 0.0) / count:.2f} ms of CPU per start; load average {cpu['load_average_1m']:.1f}", flush=True)
    return figures


def run(backend: str, database_url: str, azurite: Azurite, folder: Path, count: int) -> dict[str, float]:
    targets = folder / f"targets-{backend}"
    targets.mkdir()
    shutil.copy(SAMPLE, targets / "shop.db")
    env = {"APP_DATABASE_URL": database_url, "FUNCTIONS_DEVHOST_LOG_LEVEL": "WARNING",
           "ANALYZER_SECRET_KEY": Fernet.generate_key().decode(), "ANALYZER_ALLOWED_HOSTS": "127.0.0.1,localhost",
           "ANALYZER_ALLOWED_SQLITE_DIRS": str(targets)}
    host = LocalHost(app="function_app:app", env=env, storage_connection_string=azurite.connection_string,
                     workdir=folder / f"host-{backend}")
    body = {"connectionString": f"Driver={{SQLite3}};Database={targets / 'shop.db'};"}
    try:
        host.start()
        accepts, statuses, health, cpu = asyncio.run(_burst(host, body, count))
    finally:
        host.stop()
    accepted = sum(1 for s in statuses if s == 202)
    errors = sum(1 for s in statuses if s >= 500)
    figures = {"accepted": float(accepted), "errors_5xx": float(errors),
               "accept_p50_ms": statistics.median(accepts), "accept_p99_ms": percentile(accepts, 0.99),
               "accept_max_ms": max(accepts), "health_max_ms": max(health) if health else float("nan"),
               "health_p99_ms": percentile(health, 0.99) if health else float("nan"), "health_probes": len(health),
               **cpu}
    ok = accepted == count and errors == 0 and figures["accept_p99_ms"] <= ACCEPT_AIM_MS \
        and figures["health_max_ms"] <= HEALTH_AIM_MS
    print(f"[{backend}] {count} concurrent starts: {accepted} × 202, {errors} × 5xx; accept p50 "
          f"{figures['accept_p50_ms']:.1f} ms, p99 {figures['accept_p99_ms']:.1f} ms, "
          f"max {figures['accept_max_ms']:.1f} ms; /api/health during the burst: {len(health)} probes, "
          f"p99 {figures['health_p99_ms']:.1f} ms, max "
          f"{figures['health_max_ms']:.1f} ms ({'ok' if ok else 'ABOVE the aim'}: p99 ≤ {ACCEPT_AIM_MS:.0f} ms, "
          f"health ≤ {HEALTH_AIM_MS:.0f} ms)", flush=True)
    print(f"[{backend}] bound: burst {cpu['burst_wall_s'] * 1000:.0f} ms wall; host CPU "
          f"{cpu['host_cpu_ms_per_start']:.2f} ms per start ({cpu['loop_thread_cpu_ms_per_start']:.2f} ms of it on the "
          f"event-loop thread) = {cpu['host_cpu_ms_per_start'] * count:.0f} ms for the burst; client CPU "
          f"{cpu['client_cpu_s'] * 1000:.0f} ms; load average {cpu['load_average_1m']:.1f} on {os.cpu_count()} cores",
          flush=True)
    return figures


def main(count: int = STARTS) -> dict[str, dict[str, float]]:
    folder = Path(tempfile.mkdtemp(prefix="bench-burst-"))
    azurite = Azurite(folder / "azurite").start()
    server = postgres_server()
    try:
        return {"floor": floor(count),
                "sqlite": run("sqlite", f"sqlite:///{folder / 'app.db'}", azurite, folder, count),
                "postgresql": run("postgresql", "odbc:" + server("benchburst"), azurite, folder, count)}
    finally:
        server.cleanup()
        azurite.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
