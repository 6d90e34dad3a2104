"""`make start` demo: analyse the bundled SQLite sample (`samples/shop.db`) through the HTTP API, like a user would.

Prints progress while the job runs, then the score, the worst findings and the report URLs. Uses only the public
API (start → status long-poll → report), so it doubles as a smoke test of a freshly started host.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def function_key() -> str:
    key = os.environ.get("FUNCTIONS_DEVHOST_FUNCTION_KEY")
    if key:
        return key
    for name in ("local.settings.json", "local.settings.example.json"):
        path = ROOT / name
        if path.is_file():
            key = json.loads(path.read_text()).get("Values", {}).get("FUNCTIONS_DEVHOST_FUNCTION_KEY")
            if key:
                return key
    return ""


def main() -> int:
    base = os.environ.get("FUNCTIONS_BASE_URL", "http://127.0.0.1:7071").rstrip("/")
    sample = os.environ.get("DEMO_SQLITE", "samples/shop.db")
    session = requests.Session()
    session.headers["x-functions-key"] = function_key()
    print(f"SQL Analyzer demo: analysing {sample} (comprehensive)")
    response = session.post(f"{base}/api/v1/analysis/start", timeout=30,
                            json={"connectionString": f"Driver={{SQLite3}};Database={sample};",
                                  "analysisType": "comprehensive"})
    if response.status_code != 202:
        print(f"  start refused ({response.status_code}): {response.text}", file=sys.stderr)
        return 1
    accepted = response.json()
    print(f"  job {accepted['jobId']} accepted; status: {accepted['statusUrl']}")
    deadline = time.monotonic() + 300
    state: dict = {}
    while state.get("status") not in ("Completed", "Failed", "Canceled"):
        if time.monotonic() > deadline:
            print("  the job is still running; follow it at the status URL above", file=sys.stderr)
            return 1
        state = session.get(accepted["statusUrl"], params={"wait": 10}, timeout=60).json()
        print(f"  {state['status']:<9} {state['progressPercentage']:>3}%  {state['checksCompleted']}/"
              f"{state['checksTotal']} checks  ({state['currentStep']})")
    if state["status"] != "Completed":
        print(f"  the analysis ended as {state['status']}: {state.get('error')}", file=sys.stderr)
        return 1
    report = session.get(accepted["reportUrl"], timeout=30).json()
    summary = ", ".join(f"{count} {severity}" for severity, count in report["summary"].items() if count)
    print(f"\n  score {report['score']}/100 — {len(report['findings'])} findings ({summary or 'none'}), "
          f"{len(report['skipped'])} checks skipped")
    for finding in report["findings"][:5]:
        print(f"   [{finding['severity']}] {finding['object']}: {finding['message']}")
    print(f"\n  Report (JSON):     {accepted['reportUrl']}")
    for fmt in ("html", "markdown", "sarif"):
        print(f"  Report ({fmt}):{' ' * (9 - len(fmt))}{accepted['reportUrl']}?format={fmt}")
    print("  (send the function key in the x-functions-key header, or append &code=<key>)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
