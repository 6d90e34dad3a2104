"""`python -m githubsim --port 8123 --seed githubsim/seeds/demo.json --latency-ms 20` (or `--generate 2000`)."""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from githubsim.seedgen import generate_org
from githubsim.server import RunningServer

DEMO_SEED = Path(__file__).with_name("seeds") / "demo.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="githubsim", description="Local GitHub-compatible REST server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8123, help="0 picks a free port (printed on start)")
    parser.add_argument("--seed", type=Path, default=DEMO_SEED, help="seed JSON file (default: the demo org)")
    parser.add_argument("--generate", type=int, metavar="N", help="serve a synthetic org of N repositories instead")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every request")
    args = parser.parse_args(argv)
    seed = generate_org(args.generate) if args.generate else json.loads(args.seed.read_text())
    server = RunningServer(seed, args.host, args.port, args.latency_ms).start()
    # One machine-readable line so a parent process can learn the port.
    print(json.dumps({"githubsim": server.base_url, "org": server.sim.state.org_login}), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
