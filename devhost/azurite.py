"""Start Azurite (the Azure Storage emulator from `node_modules`) and wait until it answers.

Used by `make start` (persistent folder `.data/azurite`, default ports) and by the tests (free ports, a temporary
folder). `python -m devhost.azurite --location DIR` runs it in the foreground until Ctrl-C.
"""
from __future__ import annotations

import argparse
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from devhost.settings import AZURITE_ACCOUNT, AZURITE_KEY

REPO_ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_answers(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def connection_string(blob_port: int, queue_port: int, table_port: int, host: str = "127.0.0.1") -> str:
    return (f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
            f"BlobEndpoint=http://{host}:{blob_port}/{AZURITE_ACCOUNT};"
            f"QueueEndpoint=http://{host}:{queue_port}/{AZURITE_ACCOUNT};"
            f"TableEndpoint=http://{host}:{table_port}/{AZURITE_ACCOUNT};")


def azurite_binary() -> str:
    local = REPO_ROOT / "node_modules" / ".bin" / "azurite"
    if local.exists():
        return str(local)
    found = shutil.which("azurite")
    if found:
        return found
    raise FileNotFoundError("Azurite is not installed: run `npm install` in the repository root (or `make start`)")


class PortTaken(RuntimeError):
    """A server could not bind a port: another process took it after `free_port` found it free."""


def start_moving_off_taken_ports(start_once: Callable[[], T], move: Callable[[], None], attempts: int = 3) -> T:
    """`start_once()`, and while it raises PortTaken, `move()` to new free ports and start again. For servers whose
    ports are picked with `free_port` and bound later by a child process, on their first start only (a restart keeps
    its ports: clients hold its address, so `start_once` raises PortTaken only before a first success)."""
    for _ in range(attempts):
        try:
            return start_once()
        except PortTaken:
            move()
    return start_once()


@dataclass
class Azurite:
    location: Path
    blob_port: int = field(default_factory=free_port)
    queue_port: int = field(default_factory=free_port)
    table_port: int = field(default_factory=free_port)
    host: str = "127.0.0.1"
    process: subprocess.Popen[bytes] | None = None
    started_before: bool = False

    @property
    def connection_string(self) -> str:
        return connection_string(self.blob_port, self.queue_port, self.table_port, self.host)

    def command(self) -> list[str]:
        return [azurite_binary(), "--silent", "--skipApiVersionCheck", "--location", str(self.location),
                "--blobHost", self.host, "--queueHost", self.host, "--tableHost", self.host,
                "--blobPort", str(self.blob_port), "--queuePort", str(self.queue_port),
                "--tablePort", str(self.table_port)]

    def start(self, timeout: float = 30.0, log_file: Path | None = None) -> "Azurite":
        """Start and return once the three ports answer. The ports were only found free when this object was made:
        if another process took one before Azurite bound it (EADDRINUSE), a first start moves to new free ports; a
        later start (an outage ending) keeps its ports, since clients hold its connection string."""
        def move() -> None:
            self.blob_port, self.queue_port, self.table_port = free_port(), free_port(), free_port()

        return start_moving_off_taken_ports(lambda: self._start_once(timeout, log_file), move)

    def _start_once(self, timeout: float, log_file: Path | None) -> "Azurite":
        self.location.mkdir(parents=True, exist_ok=True)
        log_path = log_file or self.location / "azurite.log"
        offset = log_path.stat().st_size if log_path.exists() else 0
        out = open(log_path, "ab")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(self.command(), stdout=out, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                taken = b"EADDRINUSE" in log_path.read_bytes()[offset:] and not self.started_before
                raise (PortTaken if taken else RuntimeError)(
                    f"Azurite exited with code {self.process.returncode}; see {log_path}")
            if all(port_answers(self.host, p) for p in (self.blob_port, self.queue_port, self.table_port)):
                self.started_before = True
                return self
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"Azurite did not answer on ports {self.blob_port}/{self.queue_port}/{self.table_port} "
                           f"within {timeout:.0f}s")

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devhost.azurite", description=__doc__)
    parser.add_argument("--location", default=".data/azurite")
    parser.add_argument("--blob-port", type=int, default=10000)
    parser.add_argument("--queue-port", type=int, default=10001)
    parser.add_argument("--table-port", type=int, default=10002)
    args = parser.parse_args(argv)
    busy = [p for p in (args.blob_port, args.queue_port, args.table_port) if port_answers("127.0.0.1", p)]
    if busy:
        print(f"error: port {busy[0]} is in use (is Azurite already running?): stop it or pass other ports",
              file=sys.stderr)
        return 2
    azurite = Azurite(Path(args.location), args.blob_port, args.queue_port, args.table_port)
    try:
        azurite.start()
    except (FileNotFoundError, RuntimeError, TimeoutError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Azurite is running (blob {args.blob_port}, queue {args.queue_port}, table {args.table_port}), "
          f"data in {args.location}", flush=True)
    # The handler only sets a flag: stopping inside it would re-enter Popen.wait, whose lock the interrupted
    # wait holds (a deadlock on SIGTERM).
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        process = azurite.process
        assert process is not None, "start() returned without a process"
        while not stopping.wait(0.5):
            if process.poll() is not None:
                print(f"error: Azurite exited with code {process.returncode}", file=sys.stderr)
                return 1
    except KeyboardInterrupt:
        pass
    # Azurite saves and closes its services at once on SIGTERM, but after serving clients its process can linger
    # for many seconds; a short wait keeps Ctrl-C on `make start` snappy without cutting the save short.
    azurite.stop(timeout=3.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
