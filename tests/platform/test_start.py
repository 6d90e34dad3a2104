"""`make start`: the settings it adds for the demo never override the user's, and a taken port stops it early."""
from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from scripts import start_settings

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "githubsim" / "seeds" / "demo.json"
SIM = "http://127.0.0.1:7072"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("GITHUB_", "ANALYZER_", "FUNCTIONS_DEVHOST_")):
            monkeypatch.delenv(name)


def fill(root: Path, values: dict[str, str] | None = None) -> dict[str, str]:
    if values is not None:
        (root / "local.settings.json").write_text(json.dumps({"IsEncrypted": False, "Values": values}))
    return start_settings.missing_settings(start_settings.user_values(root), SEED, SIM, root=root)


def test_fresh_checkout_gets_the_demo_org_and_a_persistent_generated_key(tmp_path: Path, clean_env: None) -> None:
    first = fill(tmp_path)
    assert first["GITHUB_BASE_URL"] == SIM and first["GITHUB_ORG"] == "acme"
    assert first["GITHUB_TOKEN"] == json.loads(SEED.read_text())["tokens"][0]["token"]
    Fernet(first["ANALYZER_SECRET_KEY"].encode())  # a usable key, not a placeholder
    key_file = tmp_path / ".data" / "analyzer-secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert fill(tmp_path)["ANALYZER_SECRET_KEY"] == first["ANALYZER_SECRET_KEY"], "jobs must survive a restart"
    # No settings file at all: the host would draw a random function key, so one is generated and kept too.
    assert first["FUNCTIONS_DEVHOST_FUNCTION_KEY"] == fill(tmp_path)["FUNCTIONS_DEVHOST_FUNCTION_KEY"]


def test_user_settings_win_and_the_file_is_never_written(tmp_path: Path, clean_env: None) -> None:
    mine = {"GITHUB_ORG": "my-org", "GITHUB_BASE_URL": "https://ghe.example/api/v3",
            "ANALYZER_SECRET_KEY": Fernet.generate_key().decode(), "FUNCTIONS_DEVHOST_FUNCTION_KEY": "k",
            "AzureSignalRConnectionString": "Endpoint=https://mine.service.signalr.net;AccessKey=k;Version=1.0;"}
    extra = fill(tmp_path, mine)
    before = (tmp_path / "local.settings.json").read_text()
    assert extra == start_settings.QUEUE_DEFAULTS, "nothing of the demo group may be mixed into the user's GitHub"
    assert (tmp_path / "local.settings.json").read_text() == before
    assert not (tmp_path / ".data").exists()


def test_queue_names_are_filled_only_when_the_user_has_none(tmp_path: Path, clean_env: None) -> None:
    assert fill(tmp_path, {})["ANALYSIS_QUEUE"] == "analysis-requests"
    assert "ANALYSIS_QUEUE" not in fill(tmp_path, {"ANALYSIS_QUEUE": "mine"})


def test_empty_values_copied_from_the_example_count_as_unset(tmp_path: Path, clean_env: None) -> None:
    example = json.loads((ROOT / "local.settings.example.json").read_text())["Values"]
    extra = fill(tmp_path, example)
    assert set(extra) == {"ANALYZER_SECRET_KEY", "GITHUB_BASE_URL", "GITHUB_TOKEN", "GITHUB_ORG",
                          "GITHUB_WEBHOOK_SECRET", "AzureSignalRConnectionString"}
    assert extra["AzureSignalRConnectionString"].startswith("Endpoint=http://127.0.0.1:8888;AccessKey=")


def test_the_environment_counts_as_the_users_choice(tmp_path: Path, clean_env: None,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_mine")
    assert "GITHUB_TOKEN" not in fill(tmp_path) and "GITHUB_ORG" not in fill(tmp_path)


@pytest.mark.live  # holds a loopback port open (no server)
def test_a_taken_port_stops_make_start_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(["bash", "scripts/start.sh"], cwd=ROOT, capture_output=True, text=True, timeout=30,
                                env={**os.environ, "PORT": str(port)})
    assert result.returncode == 2
    assert f"port {port} (Functions host) is in use" in result.stderr and "PORT=<port>" in result.stderr
    assert "Azurite: started" not in result.stdout and "githubsim: started" not in result.stdout
