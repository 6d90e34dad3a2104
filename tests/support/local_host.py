"""The local Functions host (`python -m devhost`) as a subprocess on a free port, for tests that go over HTTP.

Each host gets its own keys, its own timer-state folder and (unless told otherwise) its own SQLite application
database, so tests never see each other's state; `restart()` keeps all of that, which is what "the host restarted"
means in production.
"""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from devhost.azurite import PortTaken, free_port, start_moving_off_taken_ports
from tests.support.waiting import wait_for

REPO_ROOT = Path(__file__).resolve().parents[2]
ENDED = ("Completed", "Failed", "Terminated", "Canceled")  # the Durable Functions runtime statuses that are final


class LocalHost:
    def __init__(self, *, app: str, env: dict[str, str], storage_connection_string: str, workdir: Path,
                 grace: float = 10.0, startup_timeout: float = 60.0) -> None:
        self.app = app
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.function_key = "fk-" + secrets.token_hex(8)
        self.master_key = "mk-" + secrets.token_hex(8)
        self.grace = grace
        self.startup_timeout = startup_timeout
        self.output_dir = workdir / "output"   # where tests/devhost_app functions record what they saw
        self.env = {
            **os.environ,
            "AzureWebJobsStorage": storage_connection_string,
            "FUNCTIONS_DEVHOST_FUNCTION_KEY": self.function_key,
            "FUNCTIONS_DEVHOST_MASTER_KEY": self.master_key,
            "FUNCTIONS_DEVHOST_STATE_DIR": str(workdir / "state"),
            "APP_DATABASE_URL": f"sqlite:///{workdir / 'app.db'}",
            "DEVHOST_TEST_OUTPUT": str(self.output_dir),
            "PYTHONUNBUFFERED": "1",
            "MONITORING_STATS_CACHE_SECONDS": "0",  # tests count exactly; benchmarks pass the app's default
            **env,
        }
        self.log_path = workdir / "host.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.returncode: int | None = None
        self.started_before = False

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + "/" + path.lstrip("/")

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def start(self) -> "LocalHost":
        """Start the host and return once it says Running. The port was only found free when this object was made;
        if something took it before the child bound it, a first start moves to another free port (a restart keeps
        its port: "the host restarted" means the same address)."""
        def move() -> None:
            self.port = free_port()

        return start_moving_off_taken_ports(self._start_once, move)

    def _start_once(self) -> "LocalHost":
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child writes to it for its whole life
        self.process = subprocess.Popen(
            [sys.executable, "-m", "devhost", "--app", self.app, "--port", str(self.port),
             "--grace", str(self.grace)],
            cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                taken = f"port {self.port} is in use".encode() in self.log_path.read_bytes()[offset:]
                failure = PortTaken if taken and not self.started_before else RuntimeError
                raise failure(f"the local host exited with code {self.process.returncode}:\n{self.log_text()}")
            try:
                if requests.get(self.url("/admin/host/status"), timeout=1).json().get("state") == "Running":
                    self.started_before = True
                    return self
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"the local host did not answer within {self.startup_timeout:.0f}s:\n{self.log_text()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float | None = None) -> int | None:
        """Stop gracefully (SIGTERM, like Azure scaling in); returns the exit code."""
        if self.process is None:
            return self.returncode
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout if timeout is not None else self.grace + 15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.returncode = self.process.returncode
        self.process = None
        return self.returncode

    def restart(self) -> "LocalHost":
        self.stop()
        return self.start()

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.get(self.url(path), headers={"x-functions-key": self.function_key}, **kwargs)

    def session_put(self, path: str, body: Any) -> requests.Response:
        return requests.put(self.url(path), json=body, headers={"x-functions-key": self.function_key}, timeout=30)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.delete(self.url(path), headers={"x-functions-key": self.function_key}, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.post(self.url(path), headers={"x-functions-key": self.function_key}, **kwargs)

    def instance_once_ended(self, instance_id: str, history: bool = False) -> dict[str, Any]:
        """A durable instance's status (the Durable Functions HTTP API) once it has ended. A job's row, an outbox row
        or a cancel answers before its orchestration has returned (the row is written in the last activity; a
        terminate is a message to the engine, in Azure too), so a test that asserts on the orchestration waits here."""
        path = f"/runtime/webhooks/durabletask/instances/{quote(instance_id)}"
        path += "?showHistory=true" if history else ""

        def ended() -> dict[str, Any] | None:
            response = requests.get(self.url(path), headers={"x-functions-key": self.master_key}, timeout=10)
            state = response.json() if response.status_code == 200 else None
            return state if state and state.get("runtimeStatus") in ENDED else None

        return wait_for(ended, f"the orchestration {instance_id} to end")
