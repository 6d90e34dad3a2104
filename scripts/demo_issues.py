"""`python -m scripts.demo_issues [BASE_URL]`: the issues the Policy Enforcer opened in the demo organization.

githubsim has no organization-wide issue list (nor has GitHub's REST API without search), so after "Scan now" this
walks the organization's repositories, like a person clicking through them, and prints each issue with its labels.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import requests

SEED = Path(__file__).resolve().parents[1] / "githubsim" / "seeds" / "demo.json"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    base = (args[0] if args else "http://127.0.0.1:7072").rstrip("/")
    seed = json.loads(SEED.read_text())
    org = seed["org"]["login"]
    session = requests.Session()
    session.headers["Authorization"] = f"token {seed['tokens'][0]['token']}"
    try:
        repos = session.get(f"{base}/orgs/{org}/repos", params={"per_page": 100}, timeout=10)
        repos.raise_for_status()
    except requests.RequestException as exc:
        print(f"error: githubsim does not answer at {base} ({type(exc).__name__}); is `make start` running?",
              file=sys.stderr)
        return 2
    total = 0
    for repo in repos.json():
        reply = session.get(f"{base}/repos/{org}/{repo['name']}/issues", params={"state": "all", "per_page": 100},
                            timeout=10)
        if reply.status_code != 200:  # e.g. 410 when the repository has issues disabled
            print(f"{org}/{repo['name']}: {reply.status_code} {reply.json().get('message', '')}")
            continue
        for issue in reply.json():
            labels = ",".join(label["name"] for label in issue.get("labels", []))
            print(f"{org}/{repo['name']}#{issue['number']} [{issue['state']}] {issue['title']}  ({labels})")
            total += 1
    print(f"{total} issue(s) in {len(repos.json())} repositories of {org}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
