"""The web UI's static assets (`web/`), served by the function app itself: no CDN, no page-only endpoints."""
