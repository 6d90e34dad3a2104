"""Helpers of the analyzer's end-to-end tests: one host per module, polling the status with long-poll."""
from __future__ import annotations

import os
import time
from typing import Any

from cryptography.fernet import Fernet

from tests.support.local_host import LocalHost
from tests.support.openapi_contract import assert_matches_openapi

# Lets the analyzer e2e tests run against an app with only the analyzer's blueprints while others' are unfinished.
APP = os.environ.get("ANALYZER_E2E_APP", "function_app:app")
FINAL = ("Completed", "Failed", "Canceled")


def host_env(**extra: str) -> dict[str, str]:
    return {"ANALYZER_SECRET_KEY": Fernet.generate_key().decode(), "ANALYZER_MAX_CONNECTIONS": "2",
            "ANALYZER_ALLOWED_HOSTS": "127.0.0.1,localhost", **extra}


def start(host: LocalHost, body: dict[str, Any]) -> dict[str, Any]:
    response = host.post("/api/v1/analysis/start", json=body, timeout=30)
    assert response.status_code == 202, response.text
    assert_matches_openapi(response)
    accepted = response.json()
    assert response.headers["Location"] == accepted["statusUrl"]
    return accepted


def status(host: LocalHost, job_id: str, wait: int = 0) -> dict[str, Any]:
    response = host.get(f"/api/v1/analysis/status/{job_id}?wait={wait}", timeout=60)
    assert response.status_code == 200, response.text
    assert_matches_openapi(response)
    return response.json()


def wait_final(host: LocalHost, job_id: str, timeout: float = 90) -> list[dict[str, Any]]:
    """Every status seen (long-polling, so each change is observed) until the job ends."""
    seen = [status(host, job_id)]
    deadline = time.monotonic() + timeout
    while seen[-1]["status"] not in FINAL:
        assert time.monotonic() < deadline, f"job {job_id} did not end: {seen[-1]}"
        seen.append(status(host, job_id, wait=10))
    return seen


def report(host: LocalHost, job_id: str, fmt: str | None = None) -> Any:
    response = host.get(f"/api/v1/analysis/{job_id}/report" + (f"?format={fmt}" if fmt else ""), timeout=30)
    assert response.status_code == 200, response.text
    assert_matches_openapi(response)
    return response
