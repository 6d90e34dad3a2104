"""Page parameters shared by every list endpoint (`?page=1&pageSize=50`, at most 200 per page)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.api.problems import bad_request

MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Page:
    page: int = 1
    page_size: int = 50

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    def envelope(self, items: list[Any], total: int) -> dict[str, Any]:
        return {"items": items, "page": self.page, "pageSize": self.page_size, "total": total}


def int_param(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """An optional integer query parameter within `low..high`, or a 400 naming it."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(name, "must be an integer") from None
    if not low <= value <= high:
        raise bad_request(name, f"must be between {low} and {high}")
    return value


def parse_page(params: Mapping[str, str], default_size: int = 50) -> Page:
    return Page(int_param(params, "page", 1, 1, 1_000_000),
                int_param(params, "pageSize", default_size, 1, MAX_PAGE_SIZE))
