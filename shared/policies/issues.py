"""Issue titles, bodies, comments and the fingerprint marker: every word the enforcer writes to GitHub is here.

The hidden fingerprint (`<!-- policy-enforcer:fingerprint=<owner/repo>:<policy> -->`) is what makes issues
findable again when the database lost track of one (a crash between creating the issue and recording it); the
details marker lets the next run see whether the violation changed without keeping any other state.
"""
from __future__ import annotations

import json
import re
from typing import Any

from shared.policies.checks import REGISTRY
from shared.policies.config import Policy

MARKER_PREFIX = "<!-- policy-enforcer:"
_DETAILS_MARKER = re.compile(r"<!-- policy-enforcer:details=([0-9a-f]+) -->")


def fingerprint(repo_full_name: str, policy_id: str) -> str:
    return f"<!-- policy-enforcer:fingerprint={repo_full_name}:{policy_id} -->"


def has_fingerprint(body: str | None, repo_full_name: str, policy_id: str) -> bool:
    return fingerprint(repo_full_name, policy_id) in (body or "")


def details_hash_in(body: str | None) -> str | None:
    match = _DETAILS_MARKER.search(body or "")
    return match[1] if match else None


def title(policy: Policy, archive_notice: bool = False) -> str:
    prefix = "Archive notice" if archive_notice else "Policy violation"
    return f"[{prefix}] {policy.description or REGISTRY[policy.check].title}"


def body(repo_full_name: str, policy: Policy, message: str, details: dict[str, Any], hash_: str,
         exemption_contact: str, archive_after: str | None = None) -> str:
    check = REGISTRY[policy.check]
    parts = [
        f"**Policy:** `{policy.id}` — {policy.description or check.title}  ",
        f"**Severity:** {policy.severity}  ",
        f"**Repository:** `{repo_full_name}`",
        "",
        "### What is wrong",
        message,
        "",
        "### Why it matters",
        check.why,
        "",
        "### How to fix it",
        check.fix,
    ]
    if archive_after:
        parts += ["", "### This repository will be archived",
                  f"Unless it complies again or is exempted, it will be archived after {archive_after}. "
                  "Archiving makes the repository (and this issue) read-only; an owner can unarchive it."]
    parts += [
        "",
        "<details><summary>Details</summary>",
        "",
        "```json",
        json.dumps(details, indent=2, sort_keys=True, default=str),
        "```",
        "</details>",
        "",
        "### Requesting an exemption",
        f"If this policy should not apply here, ask {exemption_contact} to add an exemption under the "
        f"`{policy.id}` policy's `exemptions` (repository, reason, owner, expiry date). Exempted or fixed "
        "repositories get this issue closed automatically on the next scan.",
        "",
        "_Managed by the GitHub Policy Enforcer; please do not edit the markers below._",
        fingerprint(repo_full_name, policy.id),
        f"<!-- policy-enforcer:details={hash_} -->",
    ]
    return "\n".join(parts)


def changed_comment(message: str, details: dict[str, Any]) -> str:
    return ("The policy check found a change in this violation:\n\n" + message + "\n\n```json\n"
            + json.dumps(details, indent=2, sort_keys=True, default=str) + "\n```")


def reopened_comment(message: str) -> str:
    return "Reopened: the repository violates this policy again.\n\n" + message


def resolved_comment(outcome: str, message: str) -> str:
    if outcome == "exempt":
        return f"Closing: the repository is now exempt from this policy. {message}"
    return f"Closing: the repository complies with this policy again. {message}"


def archived_comment() -> str:
    return ("The grace period is over and the repository still violates this policy, so it is being archived. "
            "An owner can unarchive it in Settings → General → Danger Zone.")
