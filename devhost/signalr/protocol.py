"""SignalR's JSON hub protocol framing: records end with the ASCII record separator 0x1E.

Message types of aspnetcore's HubProtocol.md used here: 1 invocation, 3 completion, 4 stream invocation,
5 cancel invocation, 6 ping, 7 close.
"""
from __future__ import annotations

import json
import struct
from typing import Any

RS = "\x1e"
INVOCATION, STREAM_ITEM, COMPLETION, STREAM_INVOCATION, CANCEL_INVOCATION, PING, CLOSE = 1, 2, 3, 4, 5, 6, 7
CLIENT_CALLS = (INVOCATION, STREAM_INVOCATION)   # hub method calls: serverless hubs have no server methods


def frame(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"), default=str) + RS


def split_records(buffer: str) -> tuple[list[str], str]:
    """Complete records of `buffer` and the incomplete rest (a record may span WebSocket frames)."""
    *records, rest = buffer.split(RS)
    return [r for r in records if r], rest


PING_FRAME = frame({"type": PING})


def invocation(target: str, arguments: list[Any]) -> str:
    return frame({"type": INVOCATION, "target": target, "arguments": arguments})


def close(error: str | None = None, allow_reconnect: bool = False) -> str:
    message: dict[str, Any] = {"type": CLOSE}
    if error:
        message["error"] = error
    if allow_reconnect:
        message["allowReconnect"] = True
    return frame(message)


def websocket_text_frame(text: str) -> bytes:
    """One unmasked RFC 6455 text frame. Server frames carry no mask, so a message fanned out to many connections
    is framed once and the same bytes are written to every socket."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x81, size)
    elif size < 65536:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    return header + payload
