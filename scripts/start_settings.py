"""`make start` settings: what the host needs for the demo that the user has not set, as `export` lines for bash.

The user's own `local.settings.json` and environment always win: this only fills the gaps, so the file is never
written. Four gaps are filled:

- `ANALYZER_SECRET_KEY`: a Fernet key generated once and kept in `.data/analyzer-secret.key` (mode 600), so jobs
  encrypted in one run can still be read after a restart, and no key is ever committed.
- the GitHub settings (`GITHUB_BASE_URL`, `GITHUB_TOKEN`, `GITHUB_ORG`, and a generated `GITHUB_WEBHOOK_SECRET`
  kept in `.data/webhook.secret` that githubsim signs the demo organization's webhooks with) pointing at the local
  githubsim with the demo seed — as a group, and only when the user configured no GitHub credentials or
  organization of their own (mixing a real base URL with the simulator's token would be worse than either).
- the queue names `ANALYSIS_QUEUE` and `POLICY_ACT_QUEUE` (the queue triggers bind `%ANALYSIS_QUEUE%`), so a
  `local.settings.json` written before they existed still starts.
- `AzureSignalRConnectionString`: the local SignalR service the host serves (`devhost/signalr/`) on
  127.0.0.1:8888 with an access key drawn per run (tokens are short-lived; clients negotiate again).

    python -m scripts.start_settings --githubsim-url http://127.0.0.1:7072 --seed githubsim/seeds/demo.json
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEY_FILE = ROOT / ".data" / "analyzer-secret.key"
GITHUB_OWN = ("GITHUB_ORG", "GITHUB_TOKEN", "GITHUB_APP_ID")
# `%ANALYSIS_QUEUE%` / `%POLICY_ACT_QUEUE%` in the queue triggers: a host cannot index them without a value, so an
# older local.settings.json without these names still starts.
QUEUE_DEFAULTS = {"ANALYSIS_QUEUE": "analysis-requests", "POLICY_ACT_QUEUE": "policy-act-requests",
                  "POLICY_WEBHOOK_QUEUE": "policy-webhook-events"}


def user_values(root: Path = ROOT) -> dict[str, str]:
    """Settings the user chose: the environment over `local.settings.json` `Values` (the example does not count)."""
    values: dict[str, str] = {}
    path = root / "local.settings.json"
    if path.is_file():
        try:
            values.update({k: str(v) for k, v in json.loads(path.read_text()).get("Values", {}).items()})
        except (ValueError, AttributeError) as exc:
            raise SystemExit(f"error: local.settings.json is not valid JSON with a Values object: {exc}") from None
    values.update({k: v for k, v in os.environ.items() if v.strip()})
    return {k: v for k, v in values.items() if str(v).strip()}


def host_function_key(root: Path = ROOT) -> str:
    """The function key the local host will accept: environment, else the settings file it loads (see
    `devhost.settings.load_local_settings`: `local.settings.json`, or the example when there is none)."""
    if os.environ.get("FUNCTIONS_DEVHOST_FUNCTION_KEY"):
        return os.environ["FUNCTIONS_DEVHOST_FUNCTION_KEY"]
    for name in ("local.settings.json", "local.settings.example.json"):
        path = root / name
        if path.is_file():
            return str(json.loads(path.read_text()).get("Values", {}).get("FUNCTIONS_DEVHOST_FUNCTION_KEY") or "")
    return ""


def persistent_key(key_file: Path = KEY_FILE, fernet: bool = True) -> str:
    if key_file.is_file() and key_file.read_text().strip():
        return key_file.read_text().strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    if fernet:
        from cryptography.fernet import Fernet

        key = Fernet.generate_key().decode()
    else:
        import secrets

        key = secrets.token_urlsafe(24)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


def demo_github(seed_path: Path, base_url: str) -> dict[str, str]:
    seed = json.loads(seed_path.read_text())
    return {"GITHUB_BASE_URL": base_url, "GITHUB_TOKEN": seed["tokens"][0]["token"],
            "GITHUB_ORG": seed["org"]["login"]}


def missing_settings(chosen: dict[str, str], seed_path: Path, githubsim_url: str | None,
                     root: Path = ROOT) -> dict[str, str]:
    key_file = root / ".data" / KEY_FILE.name
    extra: dict[str, str] = {}
    if not host_function_key(root):
        # Without one the host draws a random key per run, and the banner could not show a working curl.
        extra["FUNCTIONS_DEVHOST_FUNCTION_KEY"] = persistent_key(key_file.with_name("function.key"),
                                                                        fernet=False)
    if "ANALYZER_SECRET_KEY" not in chosen:
        extra["ANALYZER_SECRET_KEY"] = persistent_key(key_file)
    for name, default in QUEUE_DEFAULTS.items():  # the queue triggers' binding expressions need a value
        if name not in chosen:
            extra[name] = default
    if githubsim_url and not any(name in chosen for name in GITHUB_OWN):
        extra.update(demo_github(seed_path, githubsim_url))
        if "GITHUB_WEBHOOK_SECRET" not in chosen:  # githubsim signs the demo org's webhooks with it
            extra["GITHUB_WEBHOOK_SECRET"] = persistent_key(key_file.with_name("webhook.secret"), fernet=False)
    if "AzureSignalRConnectionString" not in chosen:
        extra["AzureSignalRConnectionString"] = local_signalr()
    return extra


def local_signalr(port: int = 8888) -> str:
    import secrets

    return f"Endpoint=http://127.0.0.1:{port};AccessKey={secrets.token_urlsafe(32)};Version=1.0;"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.start_settings", description=__doc__.split("\n")[0])
    parser.add_argument("--githubsim-url", help="base URL of the running githubsim (omit: no GitHub defaults)")
    parser.add_argument("--seed", type=Path, default=ROOT / "githubsim" / "seeds" / "demo.json")
    args = parser.parse_args(argv)
    chosen = user_values()
    extra = missing_settings(chosen, args.seed, args.githubsim_url)
    for name, value in extra.items():
        print(f"export {name}={shlex.quote(value)}")
    # A plain shell variable (not exported): the banner's curl needs the key the host will accept.
    print(f"FUNCTION_KEY={shlex.quote(extra.get('FUNCTIONS_DEVHOST_FUNCTION_KEY') or host_function_key())}")
    if args.githubsim_url and any(name in chosen for name in GITHUB_OWN):
        print(f"GitHub: your own settings are used (GITHUB_ORG={chosen.get('GITHUB_ORG', '')!r}), "
              "not the local githubsim", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
