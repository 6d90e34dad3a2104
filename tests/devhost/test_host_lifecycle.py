"""Start-up errors and graceful shutdown of the local host."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from devhost.azurite import Azurite, free_port
from tests.support.local_host import LocalHost
from tests.support.waiting import HANG_GUARD_S, wait_for

REPO_ROOT = Path(__file__).resolve().parents[2]
APP = "tests.devhost_app.function_app:app"


def run_host(*args: str, env: dict[str, str] | None = None, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "devhost", "--app", APP, *args], cwd=REPO_ROOT,
                          env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=timeout)


@pytest.mark.live  # holds a loopback port open (no server)
def test_port_in_use_is_one_clear_message_and_exit_code_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_host("--port", str(port))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: port {port} is in use: stop the other process or pass --port"
    assert "Traceback" not in result.stdout + result.stderr


def test_unreachable_azurite_is_one_clear_message_and_exit_code_2() -> None:
    dead = free_port()
    conn = (f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;"
            f"QueueEndpoint=http://127.0.0.1:{dead}/devstoreaccount1;")
    result = run_host("--port", str(free_port()), env={"AzureWebJobsStorage": conn})
    assert result.returncode == 2
    assert f"not reachable at 127.0.0.1:{dead}" in result.stderr
    assert "Azurite" in result.stderr and "AccountKey" not in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_a_test_host_whose_port_was_taken_before_it_started_moves_to_a_free_one(azurite, tmp_path: Path) -> None:
    """The suite finds a host's port free, then starts the host: with several test processes on one machine,
    something can take the port in between. The host says so (exit 2) and `LocalHost` moves, on a first start
    only; the host itself binds its port before it starts the engine, so the window is the process start."""
    host = LocalHost(app=APP, env={"DEVHOST_TEST_WORK_QUEUE": "moved-work", "DEVHOST_TEST_FAIL_QUEUE": "moved-fail"},
                     storage_connection_string=azurite["connection_string"], workdir=tmp_path)
    taken = host.port
    with socket.socket() as other:
        other.bind(("127.0.0.1", taken))
        other.listen()
        try:
            host.start()
            assert host.port != taken
            assert requests.get(host.url("/admin/host/status"), timeout=10).json()["state"] == "Running"
        finally:
            host.stop()
    assert f"port {taken} is in use" in host.log_text()


@pytest.mark.live  # starts Azurite
def test_an_azurite_whose_port_was_taken_before_it_started_moves_to_free_ones(tmp_path: Path) -> None:
    """The same for the suite's own Azurite, on a first start only: a restart after an outage keeps its ports."""
    azurite = Azurite(tmp_path / "azurite")
    taken = azurite.queue_port
    with socket.socket() as other:
        other.bind(("127.0.0.1", taken))
        other.listen()
        azurite.start()
        try:
            assert azurite.queue_port != taken and azurite.process is not None and azurite.process.poll() is None
            moved = azurite.queue_port
            azurite.stop()
            azurite.start()   # a restart: the same ports
            assert azurite.queue_port == moved
        finally:
            azurite.stop()
    assert b"EADDRINUSE" in (tmp_path / "azurite" / "azurite.log").read_bytes()


def test_sigterm_lets_a_running_invocation_finish_and_exits_0(local_host) -> None:
    host = local_host(app=APP, env={"DEVHOST_TEST_WORK_QUEUE": "life-work", "DEVHOST_TEST_FAIL_QUEUE": "life-fail"},
                      grace=10.0)
    outcome: dict[str, object] = {}

    def call_slow() -> None:
        response = requests.get(host.url("/api/slow?seconds=3"), timeout=20)
        outcome["status"], outcome["text"] = response.status_code, response.text

    caller = threading.Thread(target=call_slow)
    caller.start()
    deadline = time.monotonic() + HANG_GUARD_S
    while "Executing 'Functions.slow'" not in host.log_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    code = host.stop()
    caller.join(20)
    assert outcome == {"status": 200, "text": "slept"}
    assert code == 0
    log = host.log_text()   # it waited for the function: the order of the host's own lines below says so
    assert "Executed 'Functions.slow' (Succeeded" in log
    assert log.index("Stopping the host") < log.index("Executed 'Functions.slow'") < log.index("Host stopped")


def test_new_requests_are_refused_while_stopping(local_host) -> None:
    host = local_host(app=APP, env={"DEVHOST_TEST_WORK_QUEUE": "life-work2", "DEVHOST_TEST_FAIL_QUEUE": "life-fail2"})
    caller = threading.Thread(target=lambda: requests.get(host.url("/api/slow?seconds=2"), timeout=20))
    caller.start()
    while "Executing 'Functions.slow'" not in host.log_text():
        time.sleep(0.05)
    stopper = threading.Thread(target=host.stop)
    stopper.start()
    wait_for(lambda: "Stopping the host" in host.log_text(), "the host to begin stopping")   # logged once it refuses
    try:
        refused = requests.get(host.url("/api/echo/latest"), timeout=HANG_GUARD_S).status_code
    except requests.ConnectionError:
        refused = "connection refused"
    stopper.join()
    caller.join()
    assert refused in (503, "connection refused")


def test_a_binding_expression_without_its_app_setting_stops_the_start_naming_function_and_setting() -> None:
    """`%DEVHOST_TEST_WORK_QUEUE%` is the queue name of `queue_ok` and of `enqueue`'s output; as in the real host's
    indexing, a setting that resolves to nothing is an error, not a queue named literally `%...%`."""
    result = run_host("--port", str(free_port()), env={"DEVHOST_TEST_WORK_QUEUE": ""})
    assert result.returncode == 2
    message = result.stderr.strip()
    assert "'%DEVHOST_TEST_WORK_QUEUE%' does not resolve to a value" in message
    assert "Error indexing method 'Functions." in message
    assert "Traceback" not in result.stdout + result.stderr


def test_a_malformed_host_json_is_named_with_line_and_column(tmp_path: Path) -> None:
    """Microsoft's `function_chaining` sample ships a host.json with two JSON objects; the real host refuses it with
    "Unable to parse host configuration file"; so does this one, with exit code 2 and no traceback."""
    package = tmp_path / "badapp"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "function_app.py").write_text(
        "import azure.functions as func\napp = func.FunctionApp()\n\n@app.route(route='x')\n"
        "def x(req: func.HttpRequest) -> func.HttpResponse:\n    return func.HttpResponse('x')\n")
    (package / "host.json").write_text('{\n  "version": "2.0"\n}\n{\n  "version": "2.0"\n}\n')
    result = subprocess.run([sys.executable, "-m", "devhost", "--app", "badapp.function_app:app",
                             "--port", str(free_port())], cwd=tmp_path, capture_output=True, text=True, timeout=30,
                            env={**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{REPO_ROOT}"})
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip() == (f"error: Unable to parse host configuration file '{package / 'host.json'}': "
                                     "Extra data (line 4, column 1)")
    assert "Traceback" not in result.stdout + result.stderr
