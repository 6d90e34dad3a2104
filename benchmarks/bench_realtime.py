"""Real-time progress: event latency from the publisher's call (what an activity does) to the handler of Microsoft's
SignalR client, p50/p99, with 1 and with 500 connected clients on the local SignalR service; the service's memory
after 1,000 clients connected and dropped; an analysis job's wall time with and without SignalR configured."""
from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet

from benchmarks.bench_http_start import percentile
from devhost.azurite import Azurite
from shared.realtime.connection import SignalRConnection
from shared.realtime.events import EventTarget, RealtimeEvent
from shared.realtime.publisher import Publisher
from shared.realtime.service_api import SignalRServiceApi
from shared.realtime.tokens import client_token
from tests.realtime.signalr_support import REPO_ROOT, SignalRProcess
from tests.support.local_host import LocalHost

HERE = Path(__file__).resolve().parent
EVENTS = 100
INTERVAL = 0.05   # 20 events/s: far more than a job's progress (a few per second)
JOBS = 8


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def latency(service: SignalRProcess, clients: int, events: int = EVENTS, per_process: int = 100
            ) -> dict[str, float]:
    """Clients are spread over Node processes of `per_process` connections (500 browsers are not one process)."""
    api = SignalRServiceApi(SignalRConnection.parse(service.connection_string), "jobs")
    group, user = f"bench-{clients}", f"bench-user-{clients}"
    api.add_user_to_group(group, user)
    token = client_token(api.conn, "jobs", user)
    sizes = [min(per_process, clients - start) for start in range(0, clients, per_process)]
    nodes = [subprocess.Popen(["node", str(HERE / "signalr_latency.js"), api.conn.client_url("jobs"), token,
                               str(size), str(events)], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
             for size in sizes]
    for node in nodes:
        assert node.stdout is not None
        ready = node.stdout.readline()
        assert ready.strip() == "READY", ready
    publisher = Publisher(api)
    for seq in range(events):
        payload = {"seq": seq, "sentAt": time.time() * 1000}
        publisher.publish([RealtimeEvent(EventTarget.ANALYSIS_PROGRESS, group, f"s{seq}", (1, 1, seq), payload)])
        time.sleep(INTERVAL)
    publisher.flush(30)
    values: list[float] = []
    received = 0
    for node in nodes:
        try:
            out, _ = node.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            node.send_signal(signal.SIGTERM)
            out, _ = node.communicate()
        result = json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:])
        values += [float(v) for v in result["latencies"]]
        received += int(result["received"])
    figures = {"clients": clients, "received": received, "expected": clients * events,
               "p50_ms": statistics.median(values), "p99_ms": percentile(values, 0.99), "max_ms": max(values)}
    print(f"event latency, {clients} client(s) in {len(nodes)} Node process(es), {events} events every "
          f"{INTERVAL * 1000:.0f} ms: p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms, "
          f"max {figures['max_ms']:.0f} ms ({received}/{clients * events} received)", flush=True)
    return figures


def churn_memory(service: SignalRProcess, rounds: int = 10, per_round: int = 200) -> dict[str, int]:
    assert service.process is not None
    pid = service.process.pid
    api = SignalRServiceApi(SignalRConnection.parse(service.connection_string), "jobs")
    token = client_token(api.conn, "jobs", "churn")
    sizes = [_rss_kb(pid)]
    for _ in range(rounds):
        subprocess.run(["node", str(REPO_ROOT / "tests" / "realtime" / "churn.js"), api.conn.client_url("jobs"),
                        token, str(per_round)], cwd=REPO_ROOT, check=True, capture_output=True, timeout=300)
        time.sleep(0.5)
        sizes.append(_rss_kb(pid))
    stats = service.stats()
    print(f"local SignalR service RSS over {rounds}x{per_round} connect+drop: "
          f"{' -> '.join(f'{s / 1024:.1f}' for s in sizes)} MB; connections left {stats['connections']}", flush=True)
    return {"first_kb": sizes[1], "last_kb": sizes[-1], "connections_left": stats["connections"]}


def _target(folder: Path) -> Path:
    path = folder / "bench.db"
    with sqlite3.connect(path) as db:
        for i in range(40):
            db.execute(f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, ref INTEGER REFERENCES t{max(0, i - 1)}(id), "
                       "v TEXT)")
            db.execute(f"CREATE INDEX t{i}_v ON t{i} (v)")
    return path


def job_wall_times(folder: Path, azurite: Azurite, signalr: str | None) -> list[float]:
    target = _target(folder) if not (folder / "bench.db").exists() else folder / "bench.db"
    env = {"ANALYZER_SECRET_KEY": Fernet.generate_key().decode(), "ANALYZER_ALLOWED_SQLITE_DIRS": str(folder),
           "FUNCTIONS_DEVHOST_LOG_LEVEL": "WARNING", "AzureSignalRConnectionString": signalr or ""}
    host = LocalHost(app="function_app:app", env=env, storage_connection_string=azurite.connection_string,
                     workdir=folder / ("host-signalr" if signalr else "host-plain"))
    host.start()
    try:
        times = []
        for i in range(JOBS + 1):
            started = time.perf_counter()
            job = host.post("/api/v1/analysis/start", json={
                "connectionString": f"Driver={{SQLite3}};Database={target};"}, timeout=30).json()["jobId"]
            while host.get(f"/api/v1/analysis/status/{job}?wait=10", timeout=30).json()["status"] not in (
                    "Completed", "Failed", "Canceled"):
                pass
            if i:   # the first job warms the host up
                times.append(time.perf_counter() - started)
        return times
    finally:
        host.stop()


def main() -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix="bench-realtime-"))
    service = SignalRProcess(folder).start()
    azurite = Azurite(folder / "azurite").start()
    try:
        figures: dict[str, object] = {"latency_1": latency(service, 1), "latency_500": latency(service, 500),
                                      "memory": churn_memory(service)}
        plain = job_wall_times(folder, azurite, None)
        pushed = job_wall_times(folder, azurite, service.connection_string)
        ratio = statistics.median(pushed) / statistics.median(plain)
        print(f"analysis wall time (SQLite, {JOBS} jobs, median): without SignalR {statistics.median(plain):.3f} s, "
              f"with {statistics.median(pushed):.3f} s, {ratio:.2f}x", flush=True)
        figures["wall_ratio"] = ratio
        return figures
    finally:
        azurite.stop()
        service.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
