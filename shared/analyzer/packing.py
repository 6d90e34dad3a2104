"""Large report documents stored compressed in their text column.

A report of 143,000 findings is ~80 MB of JSON. Stored as one text value, finalize held it twice at least (read back
from the file it was assembled in, and SQLite's own copy of a bound parameter: +227 MB at x10, measured); the
document compresses ~20x (zlib level 1, ~1 s per 100 MB on a loaded core), so it is streamed from its file through
zlib and stored as `zlib:` + base64 — a few MB, in the same column, portable to every application database (no
migration, no BLOB type differences). Small documents (and every report stored before this) stay plain JSON: a
reader tells them apart by the first character, `{` or `z`.
"""
from __future__ import annotations

import base64
import zlib
from typing import IO

PREFIX = "zlib:"
PLAIN_UP_TO = 256 * 1024  # characters: below this a report is stored as is (readable in the database)
_CHUNK = 1 << 20


def pack(document: IO[str]) -> str:
    """The stored form of the JSON `document` (a text file positioned at its start), read 1 MB at a time."""
    head = document.read(PLAIN_UP_TO + 1)
    if len(head) <= PLAIN_UP_TO:
        return head
    compressor = zlib.compressobj(1)
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
    return zlib.decompress(base64.b64decode(stored[len(PREFIX):])).decode("utf-8")
