"""Start the local GitHub-compatible server for a test, in-process (fast, `.state` inspectable) or as a subprocess
(what the e2e tests and benchmarks use), and talk to its admin API.

    from tests.support.githubsim import start_githubsim, githubsim  # `githubsim` is a pytest fixture
    sim = start_githubsim(seed)            # or start_githubsim(seed, subprocess=True, latency_ms=20)
    Github(base_url=sim.base_url, auth=Auth.Token(sim.token))
    sim.fault(r"/issues$", 502, count=2); sim.set_rate_limit(remaining=0); sim.counters()["counted"]
"""
from __future__ import annotations

import json
import os
import subprocess as sp
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
DEMO_SEED = ROOT / "githubsim" / "seeds" / "demo.json"


def demo_seed() -> dict[str, Any]:
    return json.loads(DEMO_SEED.read_text())


class GitHubSim:
    """A running simulator: its URL, a valid token, and helpers over the `/_sim/*` admin API."""

    def __init__(self, base_url: str, token: str, org: str, server: Any = None, process: Any = None) -> None:
        self.base_url = base_url
        self.token = token
        self.org = org
        self._server = server
        self._process = process
        self._http = requests.Session()

    @property
    def state(self) -> Any:
        """The live `githubsim.model.SimState` (in-process servers only)."""
        if self._server is None:
            raise RuntimeError("state is only reachable in-process; use the admin API (sim.admin)")
        return self._server.sim.state

    @property
    def sim(self) -> Any:
        if self._server is None:
            raise RuntimeError("the Simulator object is only reachable in-process")
        return self._server.sim

    # -- admin API ---------------------------------------------------------------------------------------------
    def admin(self, method: str, path: str, body: Any = None) -> Any:
        resp = self._http.request(method, f"{self.base_url}/_sim/{path.lstrip('/')}", json=body, timeout=10)
        resp.raise_for_status()
        return resp.json() if resp.content else None

    def requests(self, since: int = 0) -> list[dict[str, Any]]:
        return self.admin("GET", f"requests?since={since}")["requests"]

    def counters(self) -> dict[str, Any]:
        return self.admin("GET", "requests")["counters"]

    def clear_log(self) -> None:
        self.admin("DELETE", "requests")

    def fault(self, path: str, status: int, count: int = 1, **extra: Any) -> None:
        self.admin("POST", "faults", {"path": path, "status": status, "count": count, **extra})

    def set_rate_limit(self, **values: Any) -> dict[str, Any]:
        return self.admin("POST", "state", {"rateLimit": values})["rateLimit"]

    def update(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.admin("POST", "state", body)

    def repo_state(self, name: str) -> dict[str, Any]:
        return self.admin("GET", f"repos/{name}")

    def put_repo(self, name: str, seed_entry: dict[str, Any]) -> None:
        self.admin("PUT", f"repos/{name}", seed_entry)

    def reset(self) -> None:
        self.admin("POST", "reset")

    def stop(self) -> None:
        self._http.close()
        if self._server is not None:
            self._server.stop()
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except sp.TimeoutExpired:
                self._process.kill()


def start_githubsim(seed: dict[str, Any] | None = None, *, subprocess: bool = False,
                    latency_ms: float = 0) -> GitHubSim:
    """Start a server on a free port with `seed` (default: the demo organization)."""
    seed = seed if seed is not None else demo_seed()
    token = (seed.get("tokens") or [{"token": "ghp_simtoken"}])[0]["token"]
    org = (seed.get("org") or {"login": "acme"})["login"]
    if not subprocess:
        from githubsim.server import RunningServer

        server = RunningServer(seed, latency_ms=latency_ms).start()
        return GitHubSim(server.base_url, token, org, server=server)
    seed_file = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    with seed_file:
        json.dump(seed, seed_file)
    proc = sp.Popen([sys.executable, "-m", "githubsim", "--port", "0", "--seed", seed_file.name,
                     "--latency-ms", str(latency_ms)], cwd=ROOT, stdout=sp.PIPE, text=True,
                    env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    line = proc.stdout.readline()
    os.unlink(seed_file.name)
    if not line:
        proc.kill()
        raise RuntimeError("githubsim subprocess exited before printing its address")
    return GitHubSim(json.loads(line)["githubsim"], token, org, process=proc)


@pytest.fixture
def githubsim() -> Iterator[GitHubSim]:
    """A fresh in-process simulator with the demo organization."""
    sim = start_githubsim()
    yield sim
    sim.stop()
