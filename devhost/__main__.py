"""`python -m devhost [--port 7071] [--app function_app:app] [--grace 10]`: run the function app locally."""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from devhost.host import Host, HostOptions, HostStartError, configure_logging


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devhost", description="Local Azure Functions host")
    parser.add_argument("--app", default="function_app:app", help="module:attribute of the FunctionApp")
    parser.add_argument("--port", type=int, default=int(os.environ.get("FUNCTIONS_DEVHOST_PORT", 7071)))
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (loopback by default)")
    parser.add_argument("--grace", type=float, default=10.0, help="seconds running invocations get on shutdown")
    parser.add_argument("--state-dir", type=Path, default=None,
                        help="timer status files (default: FUNCTIONS_DEVHOST_STATE_DIR or <app>/.data/devhost)")
    parser.add_argument("--log-level", default=os.environ.get("FUNCTIONS_DEVHOST_LOG_LEVEL", "INFO"))
    args = parser.parse_args(argv)
    configure_logging(args.log_level.upper())
    options = HostOptions(app=args.app, port=args.port, host=args.host, grace=args.grace, state_dir=args.state_dir)
    try:
        # No asyncio.run(): its teardown waits for executor threads (sync functions past the grace period,
        # blocking DNS lookups) that the exit below is meant to abandon.
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        code = loop.run_until_complete(Host(options).serve())
    except HostStartError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        code = 2
    except KeyboardInterrupt:
        code = 0
    except Exception:  # noqa: BLE001 - a bug in the host: show it, and still exit without hanging on threads
        logging.getLogger("devhost").exception("The host failed")
        code = 1
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    # Abandoned sync invocations (past the grace period) must not keep the process alive.
    os._exit(code)


if __name__ == "__main__":
    main()
