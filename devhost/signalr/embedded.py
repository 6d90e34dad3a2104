"""Start the local SignalR service inside the local Functions host when the app's setting points at loopback.

`make start` sets `AzureSignalRConnectionString` to a loopback endpoint, and the host serves it beside the HTTP
triggers. When something already listens there (a `python -m devhost.signalr` a test controls), the host leaves
it be; a non-loopback endpoint is the real service and is left alone too.
"""
from __future__ import annotations

import logging
import os
import socket

from aiohttp import web

from devhost.signalr.config import EmulatorConfig
from devhost.signalr.service import start

log = logging.getLogger("devhost")
SETTING = "AzureSignalRConnectionString"


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


async def start_if_configured() -> web.AppRunner | None:
    raw = os.environ.get(SETTING, "").strip()
    if not raw:
        return None
    try:
        config = EmulatorConfig.from_connection_string(raw)
    except ValueError:
        return None   # not a local endpoint this host can serve (e.g. the real https service)
    if not config.is_local:
        return None
    if _listening(config.host, config.port):
        log.info("SignalR: %s already answers; using it", config.endpoint)
        return None
    if os.environ.get("DEVHOST_SIGNALR", "on").lower() in ("off", "0", "false"):
        log.info("SignalR: DEVHOST_SIGNALR=off; %s is not served by this host", config.endpoint)
        return None
    try:
        return await start(config)
    except OSError as exc:   # the port was taken meanwhile: the host runs on, real-time pushes just fail
        log.warning("SignalR: cannot serve %s (%s); real-time events will not be delivered", config.endpoint,
                    exc.strerror or type(exc).__name__)
        return None
