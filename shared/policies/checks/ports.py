"""Narrow views of GitHub that checks depend on (one Protocol per kind of request).

The evaluator hands every check the same per-repository reader (`shared.policies.github_reader.RepoReader`), which
implements all of them over the real gateway with per-repository caching; unit tests implement only the one a check
needs, with plain data in GitHub's JSON shapes.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from shared.policies.repo import RepoSnapshot


class Clock(Protocol):
    def now(self) -> datetime: ...


class RepoFiles(Protocol):
    def file_paths(self, repo: RepoSnapshot) -> frozenset[str]:
        """Paths of the default branch's tree (root, `.github/`, `docs/` at least); empty for an empty repo."""


class BranchProtectionSource(Protocol):
    def org_rules(self, repo: RepoSnapshot) -> list[dict[str, Any]]:
        """Rules of active organization rulesets that certainly cover the default branch, decided without a
        per-repository request (`shared.policies.org_rulesets`); [] when undecidable."""

    def classic_protection(self, repo: RepoSnapshot) -> dict[str, Any] | None:
        """`GET /repos/{o}/{r}/branches/{default}/protection` JSON, or None when the branch has none."""

    def branch_rules(self, repo: RepoSnapshot) -> list[dict[str, Any]]:
        """`GET /repos/{o}/{r}/rules/branches/{default}`: the active ruleset rules (`type`, `parameters`)."""


class VulnerabilityAlertsSource(Protocol):
    def vulnerability_alerts_enabled(self, repo: RepoSnapshot) -> bool: ...


class OutsideAdminsSource(Protocol):
    def outside_admins(self, repo: RepoSnapshot) -> list[str]:
        """Logins of outside collaborators holding admin on the repository."""
