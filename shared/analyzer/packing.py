"""Large report documents stored compressed in their text column.

A report of 143,000 findings is ~80 MB of JSON. Stored as one text value, finalize held it twice at least (read back
from the file it was assembled in, and SQLite's own copy of a bound parameter: +227 MB at x10, measured); the
document compresses ~20x (deflate level 1, ~0.1 s per 50 MB), so it is streamed from its file through zlib and
stored as `gzip:` + base64 of a gzip member — a few MB, in the same column, portable to every application database
(no migration, no BLOB type differences). Small documents (and every report stored before this) stay plain JSON: a
reader tells them apart by the first character, `{` or `g`.

The gzip framing is what lets the JSON rendering hand the stored bytes to a client that accepts gzip
(`Content-Encoding: gzip`) without ever decompressing them in the host (`gzip_body`).
"""
from __future__ import annotations

import base64
import zlib
from typing import IO

PREFIX = "gzip:"
PLAIN_UP_TO = 256 * 1024  # characters: below this a report is stored as is (readable in the database)
_CHUNK = 1 << 20


def pack(document: IO[str]) -> str:
    """The stored form of the JSON `document` (a text file positioned at its start), read 1 MB at a time."""
    head = document.read(PLAIN_UP_TO + 1)
    if len(head) <= PLAIN_UP_TO:
        return head
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31)  # 31: gzip framing
    parts = [compressor.compress(head.encode("utf-8"))]
    del head
    while chunk := document.read(_CHUNK):
        parts.append(compressor.compress(chunk.encode("utf-8")))
    parts.append(compressor.flush())
    return PREFIX + base64.b64encode(b"".join(parts)).decode("ascii")


def unpack(stored: str) -> str:
    """The JSON text of a stored document, whichever form it was stored in."""
    if not stored.startswith(PREFIX):
        return stored
    return zlib.decompress(base64.b64decode(stored[len(PREFIX):]), 31).decode("utf-8")


def gzip_body(stored: str) -> bytes | None:
    """The stored document as a gzip body (what `Content-Encoding: gzip` carries), or None when it is stored plain."""
    return base64.b64decode(stored[len(PREFIX):]) if stored.startswith(PREFIX) else None
