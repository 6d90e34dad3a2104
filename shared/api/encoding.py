"""Content negotiation for response encodings (RFC 9110 §12.5.3 `Accept-Encoding`)."""
from __future__ import annotations


def accepts_gzip(header: str | None) -> bool:
    """Whether a client's `Accept-Encoding` lets the response be gzip: `gzip` (or `x-gzip`, or `*` without an
    explicit gzip entry) listed with a weight above zero. No header means no: a client that says nothing may not
    decode it."""
    if not header:
        return False
    weights: dict[str, float] = {}
    for item in header.split(","):
        name, _, params = item.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[name.strip().lower()] = weight
    for name in ("gzip", "x-gzip"):
        if name in weights:
            return weights[name] > 0
    return weights.get("*", 0.0) > 0
