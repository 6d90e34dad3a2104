"""Host configuration: `host.json` of the app plus `local.settings.json` `Values`, like `func start` reads them.

Values are copied into `os.environ` before the app is imported, and a variable already set in the environment wins
(Core Tools behaves the same), so tests and CI can override any setting without editing files.
"""
from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("devhost")

AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d+))?$")


def timespan_seconds(value: str | int | float | None, default: float) -> float:
    """host.json durations are .NET TimeSpans (`[d.]hh:mm:ss[.fff]`); plain numbers are taken as seconds."""
    if value is None:
        return default
    if isinstance(value, (int, float)):
        return float(value)
    match = _TIMESPAN.match(value.strip())
    if not match:
        raise ValueError(f"host.json: {value!r} is not a TimeSpan like 00:00:10")
    days, hours, minutes, seconds, fraction = match.groups()
    total = int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + int(seconds)
    return total + (float("0." + fraction) if fraction else 0.0)


def load_local_settings(app_dir: Path) -> Path | None:
    """Copy `Values` into the environment (existing variables win); return the file used, if any."""
    for name in ("local.settings.json", "local.settings.example.json"):
        path = app_dir / name
        if path.is_file():
            values = json.loads(path.read_text(encoding="utf-8")).get("Values", {})
            for key, value in values.items():
                os.environ.setdefault(key, str(value))
            return path
    return None


def storage_connection_string(setting_name: str | None) -> str:
    """Resolve a binding's `connection` like the host: the setting itself, else `AzureWebJobs<name>`."""
    name = setting_name or "AzureWebJobsStorage"
    value = os.environ.get(name) or os.environ.get(f"AzureWebJobs{name}")
    if not value:
        raise KeyError(f"connection setting {name!r} is not set: add it to local.settings.json Values")
    return expand_development_storage(value)


def expand_development_storage(value: str) -> str:
    """`UseDevelopmentStorage=true` means Azurite on its default loopback ports; the SDK does not expand it."""
    if value.replace(" ", "").lower().startswith("usedevelopmentstorage=true"):
        return (f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
                f"BlobEndpoint=http://127.0.0.1:10000/{AZURITE_ACCOUNT};"
                f"QueueEndpoint=http://127.0.0.1:10001/{AZURITE_ACCOUNT};"
                f"TableEndpoint=http://127.0.0.1:10002/{AZURITE_ACCOUNT};")
    return value


@dataclass
class QueueOptions:
    batch_size: int = 16
    new_batch_threshold: int = 8
    max_polling_interval: float = 60.0
    visibility_timeout: float = 0.0
    max_dequeue_count: int = 5


def default_concurrency() -> int:
    """The Durable extension's default for both maxConcurrentActivityFunctions and
    maxConcurrentOrchestratorFunctions: 10 x the processor count."""
    return 10 * (os.cpu_count() or 1)


def default_hub_name() -> str:
    """The extension's default task hub: the app's site name (`WEBSITE_SITE_NAME`) with everything but letters and
    digits removed, at most 50 characters; `TestHubName` when the setting is absent (local runs)."""
    site = "".join(ch for ch in os.environ.get("WEBSITE_SITE_NAME", "") if ch.isascii() and ch.isalnum())[:50]
    return site or "TestHubName"


@dataclass
class HostConfig:
    route_prefix: str = "api"
    hub_name: str = "TestHubName"
    max_concurrent_activities: int = field(default_factory=default_concurrency)
    max_concurrent_orchestrators: int = field(default_factory=default_concurrency)
    queues: QueueOptions = field(default_factory=QueueOptions)
    raw: dict[str, Any] = field(default_factory=dict)


class HostConfigError(ValueError):
    """host.json cannot be used; the message names the file (and line and column), as the real host's does."""


def _read_host_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise HostConfigError(f"Unable to parse host configuration file '{path}': {exc.msg} "
                              f"(line {exc.lineno}, column {exc.colno})") from None
    except UnicodeDecodeError as exc:
        raise HostConfigError(f"Unable to parse host configuration file '{path}': not UTF-8 ({exc.reason})") \
            from None
    if not isinstance(raw, dict):
        raise HostConfigError(f"Unable to parse host configuration file '{path}': the root must be a JSON object")
    return raw


def load_host_config(app_dir: Path) -> HostConfig:
    path = app_dir / "host.json"
    raw = _read_host_json(path)
    _apply_env_overrides(raw)
    extensions = raw.get("extensions", {})
    http = extensions.get("http", {})
    durable = extensions.get("durableTask", {})
    queues = extensions.get("queues", {})
    batch_size = int(queues.get("batchSize", 16))
    return HostConfig(
        route_prefix=str(http.get("routePrefix", "api")).strip("/"),
        hub_name=os.environ.get("FUNCTIONS_DEVHOST_HUB_NAME") or _resolve(durable.get("hubName")) or default_hub_name(),
        max_concurrent_activities=int(durable.get("maxConcurrentActivityFunctions", default_concurrency())),
        max_concurrent_orchestrators=int(durable.get("maxConcurrentOrchestratorFunctions", default_concurrency())),
        queues=QueueOptions(
            batch_size=max(1, min(batch_size, 32)),
            new_batch_threshold=int(queues.get("newBatchThreshold", batch_size // 2)),
            max_polling_interval=max(0.1, timespan_seconds(queues.get("maxPollingInterval"), 60.0)),
            visibility_timeout=timespan_seconds(queues.get("visibilityTimeout"), 0.0),
            max_dequeue_count=int(queues.get("maxDequeueCount", 5)),
        ),
        raw=raw,
    )


def _resolve(value: Any) -> str | None:
    """`"hubName": "%MyTaskHub%"` is an app-setting reference in host.json too."""
    if not value:
        return None
    text = str(value)
    if len(text) > 2 and text.startswith("%") and text.endswith("%"):
        return os.environ.get(text[1:-1]) or None
    return text


def _apply_env_overrides(raw: dict[str, Any]) -> None:
    """`AzureFunctionsJobHost__extensions__queues__visibilityTimeout=00:00:01` overrides host.json, as in Azure."""
    prefix = "AzureFunctionsJobHost__"
    for name, value in os.environ.items():
        if not name.startswith(prefix):
            continue
        *parents, leaf = name[len(prefix):].split("__")
        node = raw
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
