"""Throttling overhead: 100 queued analyses across 5 target servers, at most 1 at a time per server.

Five SQLite files (each its own server) get 20 analyses each, all requested at once through the
local host with `ANALYZER_MAX_JOBS_PER_TARGET=1`. Ideal wall time = the busiest server's total running time (the sum
of its jobs' startedAt → completedAt), since its jobs cannot overlap; measured = first request → last completion.
The difference is the line's hand-over cost (finalize frees the slot and grants it to the next job in one
transaction, raises `admission-granted` to that job's orchestration, which asks its plan activity) plus the engine's
start-up of 100 orchestrations. Aim (issue 11): ≤ 1.2× the ideal, for both job sizes: `comprehensive` (~0.5 s per
job) and `quick` (~0.3 s), where the hand-over shows most. Figures: docs/analyzer.md#priorities-and-throttling.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from cryptography.fernet import Fernet

from devhost.azurite import Azurite
from tests.support.local_host import LocalHost

REPO = Path(__file__).resolve().parents[1]
TARGETS = 5
PER_TARGET = 20
# `comprehensive`: every SQLite check, a job long enough to be a job (~0.5 s); `quick`: ~0.25 s, where the cost of
# handing a slot to the next job shows.
ANALYSIS_TYPES = ("comprehensive", "quick")


def main(targets: int = TARGETS, per_target: int = PER_TARGET) -> dict[str, dict[str, float]]:
    """Both job sizes: `comprehensive` (hand-over small next to the job) and `quick` (hand-over shows)."""
    return {kind: run(kind, targets, per_target) for kind in ANALYSIS_TYPES}


def run(analysis_type: str, targets: int = TARGETS, per_target: int = PER_TARGET) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="bench-admission-"))
    data = folder / "data"
    data.mkdir()
    env = {"ANALYZER_SECRET_KEY": Fernet.generate_key().decode(), "ANALYZER_ALLOWED_SQLITE_DIRS": str(data),
           "ANALYZER_MAX_JOBS_PER_TARGET": "1", "ANALYZER_MAX_JOBS": str(targets),
           "FUNCTIONS_DEVHOST_LOG_LEVEL": "WARNING"}
    for i in range(targets):
        shutil.copy(REPO / "samples" / "shop.db", data / f"shop{i}.db")
        env[f"ANALYZER_CONNECTION_SHOP{i}"] = f"Driver={{SQLite3}};Database={data / f'shop{i}.db'};"
    azurite = Azurite(folder / "azurite").start()
    host = LocalHost(app="function_app:app", env=env, storage_connection_string=azurite.connection_string,
                     workdir=folder / "host")
    try:
        host.start()
        warm = host.post("/api/v1/analysis/start", json={"connectionName": "shop0", "analysisType": "quick"}).json()
        _wait(host, [warm["jobId"]])
        started = time.time()
        job_target: dict[str, int] = {}
        for _ in range(per_target):
            for i in range(targets):
                response = host.post("/api/v1/analysis/start",
                                     json={"connectionName": f"shop{i}", "analysisType": analysis_type})
                assert response.status_code == 202, response.text
                job_target[response.json()["jobId"]] = i
        finals = _wait(host, list(job_target))
        spans: dict[int, list[tuple[float, float]]] = defaultdict(list)
        for job_id, final in finals.items():
            assert final["status"] == "Completed", final
            spans[job_target[job_id]].append((datetime.fromisoformat(str(final["startedAt"])).timestamp(),
                                               datetime.fromisoformat(str(final["completedAt"])).timestamp()))
        figures = _figures(spans, started, len(finals))
        print(f"{targets * per_target} {analysis_type} analyses on {targets} servers, 1 at a time per server: "
              f"wall {figures['wall_s']:.1f} s, ideal (busiest server's running time) {figures['ideal_s']:.1f} s, "
              f"{figures['ratio']:.2f}x (aim <= 1.2x); mean job {figures['mean_job_s']:.2f} s, hand-over (a job's "
              f"end to the next start on its server) mean {figures['mean_gap_s']:.3f} s, max "
              f"{figures['max_gap_s']:.2f} s; first start {figures['lead_in_s']:.2f} s after the first request",
              flush=True)
        return figures
    finally:
        host.stop()
        azurite.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _figures(spans: dict[int, list[tuple[float, float]]], started: float, jobs: int) -> dict[str, float]:
    """Ideal = the busiest server's running time; a hand-over = one job's completedAt to the next's startedAt on
    the same server (what the line adds between two jobs)."""
    busy = {target: sum(end - begin for begin, end in runs) for target, runs in spans.items()}
    ordered = [sorted(runs) for runs in spans.values()]
    gaps = [b[0] - a[1] for runs in ordered for a, b in zip(runs, runs[1:], strict=False)]
    wall = max(end for runs in ordered for _, end in runs) - started
    ideal = max(busy.values())
    return {"wall_s": wall, "ideal_s": ideal, "ratio": wall / ideal, "mean_job_s": sum(busy.values()) / jobs,
            "mean_gap_s": sum(gaps) / len(gaps), "max_gap_s": max(gaps),
            "lead_in_s": min(runs[0][0] for runs in ordered) - started}


def _wait(host: LocalHost, job_ids: list[str]) -> dict[str, dict[str, object]]:
    finals: dict[str, dict[str, object]] = {}
    deadline = time.monotonic() + 1800
    while len(finals) < len(job_ids):
        assert time.monotonic() < deadline, f"{len(job_ids) - len(finals)} analyses did not end"
        for job_id in job_ids:
            if job_id not in finals:
                body = host.get(f"/api/v1/analysis/status/{job_id}").json()
                if body["status"] in ("Completed", "Failed", "Canceled"):
                    finals[job_id] = body
        time.sleep(0.5)
    return finals


if __name__ == "__main__":
    main()
