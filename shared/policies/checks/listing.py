"""Checks answered by the organization's repository listing alone: they cost no request at all."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from shared.policies.checks.base import Check, CheckResult, Param, failed, passed
from shared.policies.checks.ports import Clock
from shared.policies.repo import RepoSnapshot


def _description(repo: RepoSnapshot, params: Mapping[str, Any], _gh: Any) -> CheckResult:
    minimum = int(params["minLength"])
    if len(repo.description) >= minimum:
        return passed("The repository has a description.", length=len(repo.description))
    return failed(f"The repository description is missing or shorter than {minimum} characters.",
                  length=len(repo.description), minLength=minimum)


def _license(repo: RepoSnapshot, params: Mapping[str, Any], _gh: Any) -> CheckResult:
    allowed = [str(a) for a in params["allowed"]]
    if not repo.license_spdx:
        return failed("No license was detected in the repository.", license=None, allowed=allowed)
    if allowed and repo.license_spdx.lower() not in {a.lower() for a in allowed}:
        return failed(f"The license {repo.license_spdx} is not one of the allowed licenses.",
                      license=repo.license_spdx, allowed=allowed)
    return passed(f"The repository is licensed under {repo.license_spdx}.", license=repo.license_spdx)


def _default_branch(repo: RepoSnapshot, params: Mapping[str, Any], _gh: Any) -> CheckResult:
    allowed = [str(a) for a in params["allowed"]]
    if repo.default_branch in allowed:
        return passed(f"The default branch is {repo.default_branch}.", defaultBranch=repo.default_branch)
    return failed(f"The default branch is {repo.default_branch}, expected one of: {', '.join(allowed)}.",
                  defaultBranch=repo.default_branch, allowed=allowed)


def _visibility(repo: RepoSnapshot, params: Mapping[str, Any], _gh: Any) -> CheckResult:
    allowed = [str(a) for a in params["allowed"]]
    if repo.visibility in allowed:
        return passed(f"The repository is {repo.visibility}.", visibility=repo.visibility)
    return failed(f"The repository is {repo.visibility}; allowed: {', '.join(allowed)}.",
                  visibility=repo.visibility, allowed=allowed)


def _inactive(repo: RepoSnapshot, params: Mapping[str, Any], clock: Clock) -> CheckResult:
    days = int(params["days"])
    if not repo.pushed_at:
        return failed("The repository has never been pushed to.", pushedAt=None, days=days)
    pushed = datetime.fromisoformat(repo.pushed_at.replace("Z", "+00:00"))
    idle = (clock.now() - pushed).days
    if idle > days:
        return failed(f"No push for {idle} days (more than {days}).", pushedAt=repo.pushed_at, days=days)
    return passed(f"Last push {idle} days ago.", pushedAt=repo.pushed_at, days=days)


def _issues_enabled(repo: RepoSnapshot, _params: Mapping[str, Any], _gh: Any) -> CheckResult:
    if repo.has_issues:
        return passed("Issues are enabled.")
    return failed("Issues are disabled, so problems cannot be reported on the repository.", hasIssues=False)


def _delete_branch_on_merge(repo: RepoSnapshot, _params: Mapping[str, Any], _gh: Any) -> CheckResult:
    if repo.delete_branch_on_merge is None:
        # The listing omits the flag for tokens without admin: report it rather than guess.
        raise LookupError("the listing does not report delete_branch_on_merge (the token needs admin rights)")
    if repo.delete_branch_on_merge:
        return passed("Head branches are deleted after merge.")
    return failed("Head branches are not deleted automatically after merge.", deleteBranchOnMerge=False)


def _secret_scanning(repo: RepoSnapshot, _params: Mapping[str, Any], _gh: Any) -> CheckResult:
    if repo.secret_scanning == "enabled":
        return passed("Secret scanning is enabled.")
    return failed("Secret scanning is not enabled.", secretScanning=repo.secret_scanning or "not reported")


def _topics(repo: RepoSnapshot, params: Mapping[str, Any], _gh: Any) -> CheckResult:
    minimum = int(params["minCount"])
    required = [str(t) for t in params["required"]]
    missing = [t for t in required if t not in repo.topics]
    if len(repo.topics) < minimum or missing:
        return failed(f"The repository has {len(repo.topics)} topic(s) (at least {minimum} wanted)"
                      + (f" and lacks {', '.join(missing)}." if missing else "."),
                      topics=list(repo.topics), minCount=minimum, missing=missing)
    return passed("The repository has topics.", topics=list(repo.topics))


CHECKS = (
    Check("description-present", "Repository has a description",
          "A description tells people what the repository is for and shows up in search.",
          "Add a short description in the repository's About settings.", _description,
          (Param("minLength", "int", 1, "minimum number of characters", 1),)),
    Check("license-present", "Repository has an allowed license",
          "Without a license, nobody may legally reuse the code; some licenses conflict with company policy.",
          "Add a LICENSE file with one of the allowed licenses.", _license,
          (Param("allowed", "list", [], "SPDX ids accepted; empty accepts any detected license"),)),
    Check("default-branch-name", "Default branch has a standard name",
          "Tooling and automation assume a standard default branch name.",
          "Rename the default branch in Settings → Branches.", _default_branch,
          (Param("allowed", "list", ["main"], "accepted default branch names"),)),
    Check("visibility-allowed", "Repository visibility is allowed",
          "Code must not be exposed more widely than the organization allows.",
          "Change the visibility in Settings → General → Danger Zone.", _visibility,
          (Param("allowed", "list", ["private", "internal"], "accepted visibilities"),)),
    Check("repository-active", "Repository is not inactive",
          "Abandoned repositories keep vulnerable dependencies and stale access around.",
          "Push a change if the repository is still used, or archive it.", _inactive,
          (Param("days", "int", 365, "days without a push before the repository counts as inactive", 1),)),
    Check("issues-enabled", "Issues are enabled",
          "Issues are how problems (including these policy notices) reach the maintainers.",
          "Enable Issues in Settings → General → Features.", _issues_enabled),
    Check("delete-branch-on-merge", "Head branches are deleted on merge",
          "Stale branches pile up and confuse contributors.",
          "Enable 'Automatically delete head branches' in Settings → General.", _delete_branch_on_merge),
    Check("secret-scanning-enabled", "Secret scanning is enabled",
          "Leaked credentials are found before attackers find them.",
          "Enable secret scanning in Settings → Code security.", _secret_scanning),
    Check("topics-present", "Repository has topics",
          "Topics make repositories discoverable and drive ownership reports.",
          "Add topics in the repository's About settings.", _topics,
          (Param("minCount", "int", 1, "minimum number of topics", 0),
           Param("required", "list", [], "topics that must be present"))),
)
