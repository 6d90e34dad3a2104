"""`python -m devhost.signalr`: the local SignalR service on its own, for tests that stop and restart it.

Reads `AzureSignalRConnectionString` from the environment (or `--connection-string`), serves until SIGINT/SIGTERM,
and then tells connected clients they may reconnect.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys

from devhost.signalr.config import EmulatorConfig
from devhost.signalr.service import start


async def _serve(config: EmulatorConfig) -> None:
    runner = await start(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"SignalR service ready on {config.endpoint}", flush=True)
    await stop.wait()
    await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devhost.signalr", description=__doc__)
    parser.add_argument("--connection-string", default=os.environ.get("AzureSignalRConnectionString", ""),
                        help="defaults to the AzureSignalRConnectionString environment variable")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="[%(asctime)s] %(message)s")
    try:
        config = EmulatorConfig.from_connection_string(args.connection_string)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    asyncio.run(_serve(config))
    return 0


if __name__ == "__main__":
    sys.exit(main())
