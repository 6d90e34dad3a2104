"""Real SignalR peers for the tests: Microsoft's `@microsoft/signalr` client in Node, and the local SignalR
service as its own process (so a test can take it down and bring it back while the host runs)."""
from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from devhost.azurite import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
LISTEN_JS = Path(__file__).with_name("listen.js")
BROWSER_JS = Path(__file__).with_name("browser.js")


def connection_string(port: int, key: str | None = None) -> str:
    return f"Endpoint=http://127.0.0.1:{port};AccessKey={key or secrets.token_urlsafe(32)};Version=1.0;"


class NodeListener:
    """`node listen.js`: connects through the app's negotiate and records every line it prints."""

    def __init__(self, hub_url: str, key: str, targets: tuple[str, ...] = ("AnalysisProgress",),
                 env: dict[str, str] | None = None, command: list[str] | None = None) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self.process = subprocess.Popen(
            command or ["node", str(LISTEN_JS), hub_url, key, ",".join(targets)], cwd=REPO_ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
            env={**os.environ, **(env or {})})
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def _records(self, kind: str) -> list[dict[str, Any]]:
        with self._changed:
            return [json.loads(line[len(kind) + 1:]) for line in self.lines if line.startswith(kind + " ")]

    def states(self) -> list[dict[str, Any]]:
        return self._records("STATE")

    def events(self, target: str | None = None) -> list[dict[str, Any]]:
        return [e["payload"] for e in self._records("EVENT") if target is None or e["target"] == target]

    def wait_until(self, predicate: Callable[[NodeListener], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0 or (self.process.poll() is not None and not predicate(self)):
                    raise AssertionError(f"{what}: not seen; client output:\n" + "\n".join(self.lines[-40:]))
                self._changed.wait(min(left, 0.2))

    def connected(self, timeout: float = 30) -> str:
        self.wait_until(lambda n: any(s["state"] in ("connected", "failed") for s in n.states()), timeout,
                        "connection")
        state = next(s for s in self.states() if s["state"] in ("connected", "failed"))
        assert state["state"] == "connected", self.lines
        return str(state["connectionId"])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def browser_listener(page_url: str, hub_url: str, key: str) -> NodeListener:
    """The old frontend's snippet in Debian's Chromium, driven by playwright-core; same record as NodeListener."""
    return NodeListener(hub_url, key, command=["node", str(BROWSER_JS), page_url, hub_url, key])


class SignalRProcess:
    """`python -m devhost.signalr` on a port of its own; `stop()` and `start()` again keep port and key."""

    def __init__(self, workdir: Path, key: str | None = None, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.env = env or {}
        self.connection_string = connection_string(self.port, key)
        self.log_path = workdir / "signalr.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> SignalRProcess:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "devhost.signalr"], cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, "AzureSignalRConnectionString": self.connection_string, "PYTHONUNBUFFERED": "1",
                     **self.env})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self.endpoint + "/api/v1/health", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.05)
        raise TimeoutError("the local SignalR service did not start:\n" + self.log_path.read_text())

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(15)
        self.process = None

    def stats(self) -> dict[str, Any]:
        return dict(requests.get(self.endpoint + "/_emulator/stats", timeout=5).json())
