"""Security features that the listing may not report: Dependabot / vulnerability alerts, outside admins."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.policies.checks.base import Check, CheckResult, failed, passed
from shared.policies.checks.ports import OutsideAdminsSource, VulnerabilityAlertsSource
from shared.policies.repo import RepoSnapshot


def _vulnerability_alerts(repo: RepoSnapshot, _params: Mapping[str, Any],
                          github: VulnerabilityAlertsSource) -> CheckResult:
    # Dependabot security updates cannot be on without alerts, so the listing answers the common case for free.
    if repo.dependabot_security_updates == "enabled":
        return passed("Dependabot security updates (and so vulnerability alerts) are enabled.",
                      source="listing")
    if github.vulnerability_alerts_enabled(repo):
        return passed("Vulnerability alerts are enabled.", source="api")
    return failed("Dependabot vulnerability alerts are disabled.", vulnerabilityAlerts=False)


def _outside_admins(repo: RepoSnapshot, _params: Mapping[str, Any], github: OutsideAdminsSource) -> CheckResult:
    admins = sorted(github.outside_admins(repo))
    if admins:
        return failed(f"{len(admins)} outside collaborator(s) hold admin rights: {', '.join(admins)}.",
                      outsideAdmins=admins)
    return passed("No outside collaborator holds admin rights.", outsideAdmins=[])


CHECKS = (
    Check("vulnerability-alerts-enabled", "Dependabot vulnerability alerts are enabled",
          "Known-vulnerable dependencies go unnoticed without alerts.",
          "Enable Dependabot alerts in Settings → Code security.", _vulnerability_alerts,
          calls=("Dependabot alerts list (only when the listing does not show Dependabot security updates)",
                 "vulnerability alerts (only when the alerts list cannot tell)")),
    Check("no-outside-admins", "No outside collaborator has admin rights",
          "Admins can change settings, delete the repository and grant access; outsiders should not hold that.",
          "Lower the outside collaborators' permission to write or read, or make them organization members.",
          _outside_admins, calls=("collaborators (only when the organization has outside collaborators)",)),
)
