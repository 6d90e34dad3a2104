"""Default branch protection, by classic branch protection **or** rulesets (either may satisfy each rule).

Organization rulesets (read once per scan) are tried first: when those certainly covering the default branch
satisfy the policy, no per-repository request is made. Otherwise classic protection is read; the rulesets request is
only made when classic protection alone does not satisfy the policy. Protection only adds up (more reviews, more
checks), so a verdict reached early cannot change with the requests skipped.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared.policies.checks.base import Check, CheckResult, Param, failed, passed
from shared.policies.checks.ports import BranchProtectionSource
from shared.policies.repo import RepoSnapshot


@dataclass
class EffectiveProtection:
    protected: bool = False
    required_reviews: int = 0
    force_pushes_blocked: bool = False
    status_checks: set[str] = field(default_factory=set)
    sources: list[str] = field(default_factory=list)

    def add_classic(self, classic: Mapping[str, Any]) -> None:
        self.protected = True
        self.sources.append("classic")
        reviews = classic.get("required_pull_request_reviews") or {}
        self.required_reviews = max(self.required_reviews, int(reviews.get("required_approving_review_count") or 0))
        if not (classic.get("allow_force_pushes") or {}).get("enabled", False):
            self.force_pushes_blocked = True
        checks = classic.get("required_status_checks") or {}
        self.status_checks |= set(checks.get("contexts") or [])
        self.status_checks |= {c.get("context", "") for c in checks.get("checks") or [] if c.get("context")}

    def add_rules(self, rules: Sequence[Mapping[str, Any]], source: str = "rulesets") -> None:
        if not rules:
            return
        self.protected = True
        self.sources.append(source)
        for rule in rules:
            kind, params = rule.get("type"), rule.get("parameters") or {}
            if kind == "pull_request":
                self.required_reviews = max(self.required_reviews,
                                            int(params.get("required_approving_review_count") or 0))
            elif kind == "non_fast_forward":
                self.force_pushes_blocked = True
            elif kind == "required_status_checks":
                self.status_checks |= {c.get("context", "") for c in params.get("required_status_checks") or []
                                       if c.get("context")}

    def shortfalls(self, params: Mapping[str, Any]) -> list[str]:
        problems = []
        if not self.protected:
            return ["the default branch has neither branch protection nor a ruleset"]
        wanted_reviews = int(params["requiredReviews"])
        if self.required_reviews < wanted_reviews:
            problems.append(f"{self.required_reviews} required approving review(s), at least {wanted_reviews} wanted")
        if params["blockForcePushes"] and not self.force_pushes_blocked:
            problems.append("force pushes are allowed")
        if params["requireStatusChecks"] and not self.status_checks:
            problems.append("no status checks are required")
        missing = sorted(set(params["statusChecks"]) - self.status_checks)
        if missing:
            problems.append(f"required status checks missing: {', '.join(missing)}")
        return problems


def _evaluate(repo: RepoSnapshot, params: Mapping[str, Any], github: BranchProtectionSource) -> CheckResult:
    effective = EffectiveProtection()
    effective.add_rules(github.org_rules(repo), "organization rulesets")
    if not effective.protected or effective.shortfalls(params):
        effective = EffectiveProtection()
        classic = github.classic_protection(repo)
        if classic is not None:
            effective.add_classic(classic)
        if classic is None or effective.shortfalls(params):
            effective.add_rules(github.branch_rules(repo))  # repository and organization rulesets
    problems = effective.shortfalls(params)
    details = {"branch": repo.default_branch, "sources": effective.sources,
               "requiredReviews": effective.required_reviews, "forcePushesBlocked": effective.force_pushes_blocked,
               "statusChecks": sorted(effective.status_checks)}
    if problems:
        return failed(f"The default branch {repo.default_branch} is not protected as required: "
                      + "; ".join(problems) + ".", problems=problems, **details)
    return passed(f"The default branch {repo.default_branch} is protected ({' + '.join(effective.sources)}).",
                  **details)


CHECKS = (
    Check("branch-protection", "Default branch is protected",
          "Unreviewed or force-pushed changes on the default branch bypass review and can erase history.",
          "Protect the default branch (Settings → Branches, or a ruleset under Settings → Rules): require pull "
          "request reviews, block force pushes and require status checks as the policy asks.",
          _evaluate,
          (Param("requiredReviews", "int", 1, "minimum required approving reviews", 0),
           Param("blockForcePushes", "bool", True, "force pushes must be blocked"),
           Param("requireStatusChecks", "bool", False, "at least one status check must be required"),
           Param("statusChecks", "list", [], "status check contexts that must be required")),
          calls=("organization rulesets (once per scan)",
                 "branch protection (only when organization rulesets do not suffice)",
                 "branch (when unprotected: anchors the 404 so an unchanged branch re-scans for free)",
                 "branch rules (only when classic protection does not suffice)")),
)
