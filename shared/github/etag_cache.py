"""ETag cache in the application database, so conditional requests survive process restarts and scale-out.

Keyed by a hash of the request URL (relative to the base URL, with query) so the key fits an `{id}` column;
credentials are not part of the key because GitHub re-validates every ETag against the caller's view.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone

from shared.storage.db import Database, IntegrityError


@dataclass(frozen=True)
class CachedResponse:
    etag: str
    body: str
    link: str | None


class EtagCache:
    def __init__(self, db: Database, namespace: str = "") -> None:
        self.db = db
        self.namespace = namespace  # e.g. the base URL: one database may serve GHES and github.com

    def _key(self, url: str) -> str:
        return hashlib.sha256(f"{self.namespace}|{url}".encode()).hexdigest()

    def get(self, url: str) -> CachedResponse | None:
        row = self.db.query_one("SELECT etag, body, link FROM github_etag_cache WHERE cache_key = ?", (self._key(url),))
        return None if row is None else CachedResponse(row["etag"], row["body"], row["link"])

    def put(self, url: str, etag: str, body: str, link: str | None) -> None:
        key, now = self._key(url), datetime.now(timezone.utc).isoformat()
        params = (etag, body, link, now, key)
        if self.db.execute("UPDATE github_etag_cache SET etag = ?, body = ?, link = ?, updated_at = ? "
                           "WHERE cache_key = ?", params):
            return
        try:
            self.db.execute("INSERT INTO github_etag_cache (cache_key, url, etag, link, body, updated_at) "
                            "VALUES (?, ?, ?, ?, ?, ?)", (key, url[:2000], etag, link, body, now))
        except IntegrityError:  # a concurrent writer inserted it first; last writer wins
            self.db.execute("UPDATE github_etag_cache SET etag = ?, body = ?, link = ?, updated_at = ? "
                            "WHERE cache_key = ?", params)
