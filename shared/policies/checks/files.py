"""Checks for community files, answered by one tree listing of the default branch shared by all of them."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from shared.policies.checks.base import Check, CheckResult, failed, passed
from shared.policies.checks.ports import RepoFiles
from shared.policies.repo import RepoSnapshot

# GitHub looks for community files in these folders, in this order.
COMMUNITY_DIRS = ("", ".github/", "docs/")


def _finder(label: str, stems: tuple[str, ...], dirs: tuple[str, ...]) -> Callable[..., CheckResult]:
    def evaluate(repo: RepoSnapshot, _params: Mapping[str, Any], github: RepoFiles) -> CheckResult:
        paths = {p.lower(): p for p in github.file_paths(repo)}
        for folder in dirs:
            for path_lower, path in paths.items():
                if not path_lower.startswith(folder) or "/" in path_lower[len(folder):]:
                    continue
                base = path_lower[len(folder):]
                if base.split(".", 1)[0] in stems:
                    return passed(f"{label} found at {path}.", path=path)
        return failed(f"No {label} file was found" + (f" (looked in: {', '.join(d or 'root' for d in dirs)})."
                                                          if len(dirs) > 1 else "."),
                      lookedIn=[d or "/" for d in dirs])

    return evaluate


CHECKS = (
    Check("readme-present", "Repository has a README",
          "A README is the first thing people read: what this is, how to build it, who owns it.",
          "Add a README.md at the root of the default branch.",
          _finder("README", ("readme",), COMMUNITY_DIRS), calls=("tree",)),
    Check("security-policy-present", "Repository has a security policy",
          "Reporters need to know how to disclose a vulnerability privately.",
          "Add SECURITY.md (root, .github/ or docs/) explaining how to report vulnerabilities.",
          _finder("SECURITY.md", ("security",), COMMUNITY_DIRS), calls=("tree",)),
    Check("codeowners-present", "Repository has a CODEOWNERS file",
          "CODEOWNERS routes reviews to the people responsible for the code.",
          "Add a CODEOWNERS file in the root, .github/ or docs/.",
          _finder("CODEOWNERS", ("codeowners",), COMMUNITY_DIRS), calls=("tree",)),
    Check("contributing-present", "Repository has contribution guidelines",
          "Contributors need to know how changes are proposed and reviewed.",
          "Add CONTRIBUTING.md (root, .github/ or docs/).",
          _finder("CONTRIBUTING", ("contributing",), COMMUNITY_DIRS), calls=("tree",)),
)
