"""Failure text of the Policy Enforcer is stored without credentials, as the analyzer's is: an exception may quote a
token, a connection string or a storage key, and the scans API and the dashboard show what is stored."""
from __future__ import annotations

from pathlib import Path

from shared.policies import store
from shared.policies.config import load_config_file
from shared.storage.db import Database

CONFIG = load_config_file(str(Path(__file__).resolve().parents[2] / "config" / "policies.yaml"))
LEAKY = ("GET https://api.github.com failed: Authorization: token ghp_abcdefghijklmnop1234 "
         "(storage DefaultEndpointsProtocol=https;AccountName=x;AccountKey=c2VjcmV0a2V5;) Pwd=hunter2;")
SECRETS = ("ghp_abcdefghijklmnop1234", "c2VjcmV0a2V5", "hunter2")


def test_failed_scan_act_run_and_action_log_keep_no_secret(app_db: Database) -> None:
    sid = "scan-20260101000000-abcdef"
    store.create_scan(app_db, sid, "manual", False, {}, CONFIG, "acme")
    store.fail_scan(app_db, sid, f"the scan failed: {LEAKY}")
    store.request_act(app_db, sid, f"{sid}:act", 1)
    store.start_act_run(app_db, f"{sid}:act", sid, 1)
    store.finish_act_run(app_db, f"{sid}:act", sid, "Failed", f"the act step failed: {LEAKY}")
    store.log_action(app_db, sid, f"{sid}:act", "repo", "readme", "create-issue", "failed", 1, LEAKY, 502)
    scan = store.get_scan(app_db, sid)
    assert scan is not None and scan.error and scan.act_error
    logged = store.list_actions(app_db, sid, 0, 10)[0][0].message
    for text in (scan.error, scan.act_error, logged):
        assert "the " in text or "GET" in text  # the message itself is kept
        assert not [s for s in SECRETS if s in text], text
