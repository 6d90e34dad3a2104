"""Policy scan benchmark: a 2,000-repository organization on githubsim with 20 ms latency per request.

Runs the scan's steps (list pages → evaluate chunks of 10 on 8 workers, as the host's
`maxConcurrentActivityFunctions: 8`) in-process against the real gateway and a subprocess githubsim, with the
default `config/policies.yaml`. Prints wall time of the first scan and of an unchanged re-scan, rate-limited
(counted) requests per repository against the aims (≤ 3 first scan, ≤ 0.2 unchanged re-scan), and
wall ÷ (requests × latency ÷ concurrency). docs/policy-enforcer.md ("Request budget") explains each request and
describes the generated organization.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REPOS, LATENCY_MS, CONCURRENCY, CHUNK = 2000, 20, 8, 10


def _scan(db, session_factory, scan_id: str) -> None:
    from shared.policies import service, store
    from shared.policies.config import load_config_file
    from shared.policies.models import ChunkInput, ScanRequest

    store.create_scan(db, scan_id, "manual", False, {}, load_config_file(str(ROOT / "config/policies.yaml")), "acme")
    service.plan_scan(db, session_factory(), ScanRequest(scan_id))
    page = 1
    while page:
        listed = service.list_page(db, session_factory(), scan_id, page, [])
        assert not listed.fatal and not listed.rate_limited_until, listed
        total, page = listed.total, listed.next_page
    chunks = [ChunkInput(scan_id, off, CHUNK) for off in range(0, total, CHUNK)]
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        results = list(pool.map(lambda c: service.evaluate_chunk(db, session_factory(), c), chunks))
    assert all(not r.rate_limited_until and not r.fatal for r in results)
    service.finish_scan(db, scan_id)


def main() -> None:
    from githubsim.seedgen import generate_org
    from tests.support.githubsim import start_githubsim

    seed = generate_org(REPOS)
    seed["rate_limit"] = {"limit": 1_000_000, "window_seconds": 3600}
    sim = start_githubsim(seed, subprocess=True, latency_ms=LATENCY_MS)
    tmp = tempfile.mkdtemp()
    os.environ.update({"GITHUB_BASE_URL": sim.base_url, "GITHUB_TOKEN": sim.token, "GITHUB_ORG": "acme",
                       "APP_DATABASE_URL": f"sqlite:///{tmp}/app.db",
                       "POLICY_CONFIG_PATH": str(ROOT / "config/policies.yaml")})
    from shared.policies.github_reader import open_session
    from shared.storage.db import get_database

    db = get_database()
    try:
        figures = []
        for label, scan_id in (("first scan", "scan-20260101000000-000001"), ("re-scan", "scan-20260101000001-000002")):
            sim.clear_log()
            started = time.perf_counter()
            _scan(db, open_session, scan_id)
            wall = time.perf_counter() - started
            counters = sim.counters()
            counted = counters.get("counted", 0)
            total = counters.get("total", counters.get("requests", counted))
            floor = total * LATENCY_MS / 1000 / CONCURRENCY
            figures.append((label, wall, counted, total, floor))
            print(f"  {label}: requests by template {counters.get('byTemplate')}")
        print(f"policy scan: {REPOS} repositories, {LATENCY_MS} ms latency, concurrency {CONCURRENCY}")
        for label, wall, counted, total, floor in figures:
            aim = 3.0 if label == "first scan" else 0.2
            print(f"  {label:10s} wall {wall:7.1f} s | rate-limited requests/repo {counted / REPOS:5.2f} "
                  f"(aim <= {aim:g}) | all requests {total} | "
                  f"wall/floor {wall / floor if floor else float('nan'):5.2f}")
    finally:
        sim.stop()


if __name__ == "__main__":
    main()
