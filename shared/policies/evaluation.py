"""Evaluate a repository against every policy: targeting → exemption → check. Evaluating never acts.

Exempt and untargeted repositories are decided before the check runs, so they cost no request. Failures that
concern the whole scan (rate limit, bad credentials, GitHub down) propagate; anything else about one repository
becomes an `error` result for that policy and the scan goes on.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shared.policies.checks import REGISTRY
from shared.policies.config import Policy
from shared.policies.errors import AuthFailed, RateLimited, Unavailable
from shared.policies.failures import redacted_reason
from shared.policies.repo import RepoSnapshot
from shared.policies.targeting import skip_reason

log = logging.getLogger(__name__)

OUTCOMES = ("pass", "fail", "error", "skipped", "exempt")


@dataclass(frozen=True)
class PolicyOutcome:
    repository: str
    policy_id: str
    outcome: str  # one of OUTCOMES
    message: str
    severity: str
    action: str
    details: dict[str, Any] = field(default_factory=dict)


def evaluate_repository(repo: RepoSnapshot, policies: tuple[Policy, ...] | list[Policy], github: Any,
                        today: date) -> list[PolicyOutcome]:
    results = []
    for policy in policies:
        if not policy.enabled:
            continue
        results.append(evaluate_policy(repo, policy, github, today))
    return results


def evaluate_policy(repo: RepoSnapshot, policy: Policy, github: Any, today: date) -> PolicyOutcome:
    def outcome(kind: str, message: str, details: dict[str, Any] | None = None) -> PolicyOutcome:
        return PolicyOutcome(repo.name, policy.id, kind, message, policy.severity, policy.action, details or {})

    reason = skip_reason(policy, repo)
    if reason:
        return outcome("skipped", f"Not evaluated: {reason}.")
    exemption = policy.exemption_for(repo.name, today)
    if exemption:
        return outcome("exempt", f"Exempt: {exemption.reason} (owner {exemption.owner}"
                                 + (f", until {exemption.expires.isoformat()})." if exemption.expires else ")."),
                       {"owner": exemption.owner, "expires": exemption.expires.isoformat()
                        if exemption.expires else None})
    check = REGISTRY[policy.check]
    try:
        result = check.evaluate(repo, policy.params, github)
    except (RateLimited, AuthFailed, Unavailable):
        raise
    except Exception as exc:  # noqa: BLE001 - one repository's problem must not stop the scan
        log.warning("check %s failed on %s: %s", policy.check, repo.full_name, type(exc).__name__)
        return outcome("error", f"The check could not run: {redacted_reason(exc, type(exc).__name__)}.",
                       {"error": type(exc).__name__})
    return outcome("pass" if result.passed else "fail", result.message, dict(result.details))
