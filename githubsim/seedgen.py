"""Large synthetic organizations for tests and benchmarks (`python -m githubsim --generate 2000`).

The mix is deterministic (derived from the repository index), so a benchmark run is repeatable. Of every 100
repositories, about: 33 lack a license, 14 a description, 33 a SECURITY.md; 4 are forks, 3 archived, 17 private,
6 have issues disabled. Protection: an active organization ruleset ("default-branch-baseline": 1 review, no force
pushes) covers the default branch of the repositories whose `team` property is platform or payments (2/3, a
rollout in progress); independently 75 have classic protection and 25 have none, so 8 have neither. Dependabot
alerts are off in 20, security updates on in 60 (only where alerts are on, as GitHub requires), so 40 need the
per-repository alerts request. 5 have an outside collaborator with admin rights (9 contractors in all), so the
organization has outside collaborators and each repository's must be read.
"""
from __future__ import annotations

from typing import Any

_LICENSES = ["mit", "apache-2.0", None, "mit", "bsd-3-clause", None]


def generate_repo(i: int) -> dict[str, Any]:
    files = {"README.md": f"# service-{i:04d}\n\nInternal service number {i}.\n",
             "src/main.py": "print('hello')\n"}
    if i % 3:
        files["SECURITY.md"] = "# Security\n\nReport vulnerabilities to security@example.com.\n"
    if i % 4 == 0:
        files[".github/CODEOWNERS"] = "* @acme/platform\n"
    if i % 5 == 0:
        files[".github/dependabot.yml"] = "version: 2\nupdates: []\n"
    protected = i % 4 != 1
    repo: dict[str, Any] = {
        "name": f"service-{i:04d}",
        "description": None if i % 7 == 3 else f"Service {i}",
        "visibility": "private" if i % 6 == 2 else "public",
        "license": _LICENSES[i % len(_LICENSES)],
        "fork": i % 23 == 5,
        "archived": i % 31 == 7,
        "has_issues": i % 17 != 4,
        "topics": ["service"] + (["python"] if i % 2 else []),
        "default_branch": "main",
        "created_at": f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}T08:00:00Z",
        "pushed_at": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T08:00:00Z",
        "delete_branch_on_merge": i % 2 == 0,
        "vulnerability_alerts": i % 5 != 2,
        "security_and_analysis": {"secret_scanning": "enabled" if i % 3 else "disabled",
                                  "secret_scanning_push_protection": "enabled" if i % 6 else "disabled",
                                  "dependabot_security_updates": "enabled" if i % 4 and i % 5 != 2 else "disabled"},
        "files": files,
        "branch_protection": {"main": {"required_approving_review_count": 1 + i % 2, "enforce_admins": i % 2 == 0,
                                       "dismiss_stale_reviews": True, "allow_force_pushes": False,
                                       "allow_deletions": False}} if protected else {},
        "collaborators": [{"login": f"contractor-{i % 9}", "permission": "admin", "outside": True}]
        if i % 19 == 3 else [],
        "custom_properties": {"team": ["platform", "payments", "data"][i % 3]},
    }
    return repo


BASELINE_RULESET = {
    "name": "default-branch-baseline", "enforcement": "active", "branches": ["~DEFAULT_BRANCH"],
    "repository_property": {"include": [{"name": "team", "property_values": ["platform", "payments"]}],
                            "exclude": []},
    "rules": [{"type": "pull_request", "parameters": {
        "required_approving_review_count": 1, "dismiss_stale_reviews_on_push": True, "require_code_owner_review": False,
        "require_last_push_approval": False, "required_review_thread_resolution": False}},
        {"type": "non_fast_forward"}],
}


def generate_org(n_repos: int, org: str = "acme", token: str = "ghp_simtoken") -> dict[str, Any]:
    return {"org": {"login": org, "name": org.title(), "description": f"{org} (synthetic, {n_repos} repos)"},
            "tokens": [{"token": token, "login": "policy-bot"}],
            "org_rulesets": [dict(BASELINE_RULESET)],
            "repos": [generate_repo(i) for i in range(n_repos)]}
