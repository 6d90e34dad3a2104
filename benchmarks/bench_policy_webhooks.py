"""Webhook-driven enforcement (issue 13): from githubsim's change to the violation stored and to the issue opened.

githubsim (in-process) sends its own signed `repository.created` webhook to the local host for each new
unprotected repository, one at a time; the benchmark times the change → the webhook scan's violation stored (the
scan API shows it completed) → the issue opened in githubsim, p50/p99, and counts GitHub requests per event
(rate-limited ones, i.e. counted by githubsim's budget). The debounce (`POLICY_WEBHOOK_DEBOUNCE_SECONDS`) is a
deliberate wait: it is printed and subtracted for the "stored" figure. Aim: p50 ≤ 2 s stored (excluding the
debounce), ≤ 5 rate-limited requests per repository event.

A burst (`BURST` new repositories at once, one webhook each) then measures the wall time until every issue is open
against the floor the write pacing sets (≥ 1 s between writes of one act run, `maxConcurrentActivityFunctions`
runs at a time). The issue's 2,000-repository burst takes over half an hour of paced writes; `BURST` scales it.

    python -m benchmarks.bench_policy_webhooks [EVENTS [BURST]]
"""
from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from devhost.azurite import Azurite
from tests.e2e.policy_support import TOKEN, repo, seed
from tests.support.githubsim import start_githubsim
from tests.support.local_host import LocalHost

EVENTS = 200
BURST = 100
ACTIVITY_CONCURRENCY = 8  # host.json maxConcurrentActivityFunctions
DEBOUNCE_SECONDS = 1
SECRET = "bench-webhook-secret"
CONFIG = """
version: 1
settings: {issueLabel: policy-enforcer, orgOverride: {enabled: false}}
policies:
  - {id: branch-protection, check: branch-protection, severity: high}
  - {id: readme, check: readme-present}
"""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def _webhook_scans(host: LocalHost) -> list[dict[str, Any]]:
    items = requests.get(host.url("/api/v1/scans?pageSize=5"), headers={"x-functions-key": host.function_key},
                         timeout=30).json()["items"]
    return [s for s in items if s["trigger"] == "webhook"]


def main(events: int = EVENTS, burst: int = BURST) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    (folder / "policies.yaml").write_text(CONFIG)
    azurite = Azurite(folder / "azurite").start()
    sim = start_githubsim(seed([repo("seeded")]))
    host = LocalHost(app="function_app:app",
                     env={"GITHUB_BASE_URL": sim.base_url, "GITHUB_TOKEN": TOKEN, "GITHUB_ORG": "acme",
                          "POLICY_CONFIG_PATH": str(folder / "policies.yaml"),
                          "APP_DATABASE_URL": f"sqlite:///{folder / 'app.db'}", "GITHUB_WEBHOOK_SECRET": SECRET,
                          "POLICY_WEBHOOK_DEBOUNCE_SECONDS": str(DEBOUNCE_SECONDS),
                          "FUNCTIONS_DEVHOST_LOG_LEVEL": "WARNING"},
                     storage_connection_string=azurite.connection_string, workdir=folder / "host")
    try:
        host.start()
        sim.update({"webhook": {"url": host.url("/api/github/webhook"), "secret": SECRET}})
        stored: list[float] = []
        opened: list[float] = []
        evaluation: list[int] = []
        acting: list[int] = []
        for i in range(events):
            name = f"bench-{i:04d}"
            before_scan = {s["scanId"] for s in _webhook_scans(host)}
            since = max([r["seq"] for r in sim.requests()] or [0])
            started = time.perf_counter()
            sim.put_repo(name, repo(name, branch_protection={}))
            scan_done = issue_done = 0.0
            deadline = time.monotonic() + 120
            while not (scan_done and issue_done):
                if time.monotonic() > deadline:
                    raise AssertionError(f"{name}: no evaluation within 120 s\n{host.log_text()[-2000:]}")
                if not scan_done:
                    new = [s for s in _webhook_scans(host) if s["scanId"] not in before_scan]
                    if new and new[0]["status"] == "Completed":
                        scan_done = time.perf_counter() - started
                if not issue_done and sim.repo_state(name)["issues"]:
                    issue_done = time.perf_counter() - started
                time.sleep(0.02)
            while _webhook_scans(host)[0]["actions"]["status"] not in ("Completed", "Failed"):
                time.sleep(0.02)
            stored.append(scan_done - DEBOUNCE_SECONDS)
            opened.append(issue_done)
            log = [r for r in sim.requests(since) if r["counted"]]
            act = [r for r in log if "/issues" in r["path"] or "/labels" in r["path"]]
            evaluation.append(len(log) - len(act))
            acting.append(len(act))
        burst_figures = _burst(host, sim, burst) if burst else {}
        figures = {**burst_figures, "stored_p50_s": statistics.median(stored), "stored_p99_s": percentile(stored, 0.99),
                   "opened_p50_s": statistics.median(opened), "opened_p99_s": percentile(opened, 0.99),
                   "evaluation_requests": statistics.fmean(evaluation), "act_requests": statistics.fmean(acting)}
        print(f"webhook → violation stored over {events} events (debounce {DEBOUNCE_SECONDS} s excluded): "
              f"p50 {figures['stored_p50_s']:.2f} s, p99 {figures['stored_p99_s']:.2f} s (aim p50 ≤ 2 s); "
              f"→ issue opened (debounce included): p50 {figures['opened_p50_s']:.2f} s, "
              f"p99 {figures['opened_p99_s']:.2f} s; rate-limited GitHub requests per event: evaluation "
              f"{figures['evaluation_requests']:.1f} (aim ≤ 5), act {figures['act_requests']:.1f}", flush=True)
        return figures
    finally:
        host.stop()
        sim.stop()
        azurite.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _burst(host: LocalHost, sim: Any, count: int) -> dict[str, float]:
    """`count` repositories created at once (one webhook each): wall time until all their issues are open."""
    names = [f"burst-{i:05d}" for i in range(count)]
    started = time.perf_counter()
    for name in names:
        sim.put_repo(name, repo(name, branch_protection={}))
    pending = set(names)
    deadline = time.monotonic() + 60 + count * 5
    while pending:
        if time.monotonic() > deadline:
            raise AssertionError(f"burst: {len(pending)} repositories without their issue")
        pending = {n for n in pending if not sim.repo_state(n)["issues"]}
        time.sleep(0.2)
    wall = time.perf_counter() - started
    # One issue (one content-creating write) per repository, each in its own act run; runs write in parallel up to
    # the activity concurrency, each run's writes ≥ 1 s apart: the floor is the paced writes spread over the workers.
    floor = count * 1.0 / ACTIVITY_CONCURRENCY + DEBOUNCE_SECONDS
    print(f"burst of {count} new repositories: every issue open after {wall:.1f} s; floor {floor:.1f} s; "
          f"wall ÷ floor {wall / floor:.2f} (aim ≤ 1.5)", flush=True)
    return {"burst_wall_s": wall, "burst_floor_s": floor}


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else EVENTS, int(sys.argv[2]) if len(sys.argv) > 2 else BURST)
