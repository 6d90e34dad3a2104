"""The emulator's configuration, read from the same `AzureSignalRConnectionString` the app uses.

Parsed here rather than with the app's code so the emulator checks the app's tokens independently.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class EmulatorConfig:
    endpoint: str                         # http://127.0.0.1:<port>, as in the connection string
    access_key: str = field(repr=False)
    host: str = "127.0.0.1"
    port: int = 8888
    ping_seconds: float = 15.0            # the service's keep-alive interval
    client_timeout_seconds: float = 30.0  # a client silent that long is dropped (it pings every 15 s)

    @classmethod
    def from_connection_string(cls, value: str) -> EmulatorConfig:
        parts = {k.strip().lower(): v.strip() for k, _, v in (p.partition("=") for p in value.split(";")) if k}
        endpoint, key = parts.get("endpoint", ""), parts.get("accesskey", "")
        if not endpoint or not key:
            raise ValueError("AzureSignalRConnectionString needs Endpoint= and AccessKey=")
        split = urlsplit(endpoint.rstrip("/"))
        if split.scheme != "http" or not split.hostname:
            raise ValueError("the local SignalR service serves plain http: Endpoint=http://127.0.0.1:<port>")
        port = int(parts["port"]) if parts.get("port", "").isdigit() else (split.port or 80)
        ping = float(os.environ.get("DEVHOST_SIGNALR_PING_SECONDS") or 15.0)   # tests shorten the keep-alive
        return cls(endpoint=f"http://{split.hostname}:{port}", access_key=key, host=split.hostname, port=port,
                   ping_seconds=ping, client_timeout_seconds=max(30.0, 2 * ping))

    @property
    def is_local(self) -> bool:
        return self.host in LOOPBACK
