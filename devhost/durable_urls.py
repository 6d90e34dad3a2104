"""Adds the system key (`code=`) to the management URLs the durable client hands out.

The management routes (`/runtime/webhooks/durabletask/...`) require a key, as in Azure where the URLs carry the
durabletask extension's system key; the engine builds URLs without one, so the host wraps the client it injects.
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import azure.functions as func

WEBHOOK_PATH = "/runtime/webhooks/durabletask"


def with_code(url: str, key: str) -> str:
    if WEBHOOK_PATH not in url:
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "code"]
    query.append(("code", key))
    return urlunsplit(parts._replace(query=urlencode(query, safe="{}")))


def _rewrite(value: Any, key: str) -> Any:
    if isinstance(value, str):
        return with_code(value, key)
    if isinstance(value, dict):
        return {k: _rewrite(v, key) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite(v, key) for v in value]
    return value


def _rewrite_response(response: func.HttpResponse, key: str) -> func.HttpResponse:
    body = response.get_body()
    try:
        body = json.dumps(_rewrite(json.loads(body), key)).encode("utf-8")
    except ValueError:
        pass
    headers = {k: (with_code(v, key) if k.lower() == "location" else v) for k, v in response.headers.items()}
    return func.HttpResponse(body=body, status_code=response.status_code, headers=headers,
                             mimetype=response.mimetype, charset=response.charset)


class KeyedDurableClient:
    """Delegates everything to the engine's client; only the URL-producing methods are post-processed."""

    def __init__(self, client: Any, key: str) -> None:
        self._client = client
        self._key = key

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def create_check_status_response(self, *args: Any, **kwargs: Any) -> func.HttpResponse:
        return _rewrite_response(self._client.create_check_status_response(*args, **kwargs), self._key)

    def create_http_management_payload(self, *args: Any, **kwargs: Any) -> Any:
        return _rewrite(self._client.create_http_management_payload(*args, **kwargs), self._key)

    def get_client_response_links(self, *args: Any, **kwargs: Any) -> Any:
        return _rewrite(self._client.get_client_response_links(*args, **kwargs), self._key)

    async def wait_for_completion_or_create_check_status_response(self, *args: Any, **kwargs: Any) -> Any:
        response = await self._client.wait_for_completion_or_create_check_status_response(*args, **kwargs)
        return _rewrite_response(response, self._key) if response.status_code == 202 else response
