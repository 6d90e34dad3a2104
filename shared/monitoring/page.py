"""The dashboard page, kept as a static file beside this module: small, self-contained (no CDN), and holding no
data — its script fetches the API with the key the user types and inserts every value as text, never as HTML."""
from __future__ import annotations

from pathlib import Path

DASHBOARD_HTML = Path(__file__).with_name("dashboard.html").read_text(encoding="utf-8")
