"""host.json defaults as the Durable extension's: concurrency scaled by processor count, hub name from the site."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from devhost.settings import HostConfigError, load_host_config


def _write(folder: Path, durable: dict[str, object]) -> Path:
    (folder / "host.json").write_text(json.dumps({"version": "2.0", "extensions": {"durableTask": durable}}))
    return folder


def test_concurrency_defaults_to_ten_per_processor(tmp_path: Path) -> None:
    config = load_host_config(_write(tmp_path, {}))
    expected = 10 * (os.cpu_count() or 1)
    assert (config.max_concurrent_activities, config.max_concurrent_orchestrators) == (expected, expected)


def test_host_json_concurrency_wins(tmp_path: Path) -> None:
    config = load_host_config(_write(tmp_path, {"maxConcurrentActivityFunctions": 3,
                                                "maxConcurrentOrchestratorFunctions": 2}))
    assert (config.max_concurrent_activities, config.max_concurrent_orchestrators) == (3, 2)


def test_hub_name_defaults_to_the_site_name_letters_and_digits(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FUNCTIONS_DEVHOST_HUB_NAME", raising=False)
    monkeypatch.delenv("WEBSITE_SITE_NAME", raising=False)
    assert load_host_config(_write(tmp_path, {})).hub_name == "TestHubName"
    monkeypatch.setenv("WEBSITE_SITE_NAME", "my-func_app-01")
    assert load_host_config(_write(tmp_path, {})).hub_name == "myfuncapp01"
    assert load_host_config(_write(tmp_path, {"hubName": "Explicit"})).hub_name == "Explicit"
    monkeypatch.setenv("MY_HUB", "FromSetting")
    assert load_host_config(_write(tmp_path, {"hubName": "%MY_HUB%"})).hub_name == "FromSetting"


def test_malformed_host_json_names_file_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "host.json").write_text('{\n  "version": "2.0",\n  oops\n}\n')
    with pytest.raises(HostConfigError) as caught:
        load_host_config(tmp_path)
    assert str(caught.value).startswith(f"Unable to parse host configuration file '{tmp_path / 'host.json'}': ")
    assert "(line 3, column 3)" in str(caught.value)
