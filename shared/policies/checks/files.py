"""Checks for community files, answered by one tree listing of the default branch shared by all of them.

Names are matched the way GitHub finds these files, on files only (the listing holds `blob` entries; a
`security/` folder is not a security policy): README and CONTRIBUTING by their name with any extension
(`README`, `README.md`, `readme.rst`), SECURITY.md by that name with a Markdown extension, CODEOWNERS only by its
exact name (`.github/CODEOWNERS.md` is not read by GitHub), each only in the root, `docs/` or `.github/`.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from shared.policies.checks.base import Check, CheckResult, failed, passed
from shared.policies.checks.ports import RepoFiles
from shared.policies.repo import RepoSnapshot

# GitHub looks for community files in these folders, in this order.
COMMUNITY_DIRS = ("", ".github/", "docs/")
# GitHub reads CODEOWNERS from these, in this order (the first found wins).
CODEOWNERS_DIRS = (".github/", "", "docs/")


def stem_with_any_extension(stem: str) -> Callable[[str], bool]:
    """`readme`, `readme.md`, `README.rst`: the name before the first dot, case-insensitive."""
    return lambda name: name.lower() == stem or name.lower().startswith(stem + ".")


def one_of(*names: str, case_sensitive: bool = False) -> Callable[[str], bool]:
    wanted = set(names) if case_sensitive else {n.lower() for n in names}
    return lambda name: (name if case_sensitive else name.lower()) in wanted


def _finder(label: str, matches: Callable[[str], bool], dirs: tuple[str, ...]) -> Callable[..., CheckResult]:
    def evaluate(repo: RepoSnapshot, _params: Mapping[str, Any], github: RepoFiles) -> CheckResult:
        paths = sorted(github.file_paths(repo))
        for folder in dirs:
            for path in paths:
                if not path.lower().startswith(folder) or "/" in path[len(folder):]:
                    continue
                if matches(path[len(folder):]):
                    return passed(f"{label} found at {path}.", path=path)
        return failed(f"No {label} file was found" + (f" (looked in: {', '.join(d or 'root' for d in dirs)})."
                                                          if len(dirs) > 1 else "."),
                      lookedIn=[d or "/" for d in dirs])

    return evaluate


CHECKS = (
    Check("readme-present", "Repository has a README",
          "A README is the first thing people read: what this is, how to build it, who owns it.",
          "Add a README.md at the root of the default branch.",
          _finder("README", stem_with_any_extension("readme"), COMMUNITY_DIRS), calls=("tree",)),
    Check("security-policy-present", "Repository has a security policy",
          "Reporters need to know how to disclose a vulnerability privately.",
          "Add SECURITY.md (root, .github/ or docs/) explaining how to report vulnerabilities.",
          _finder("SECURITY.md", one_of("security.md"), COMMUNITY_DIRS),
          calls=("tree",)),
    Check("codeowners-present", "Repository has a CODEOWNERS file",
          "CODEOWNERS routes reviews to the people responsible for the code.",
          "Add a file named exactly CODEOWNERS in .github/, the root or docs/.",
          _finder("CODEOWNERS", one_of("CODEOWNERS", case_sensitive=True), CODEOWNERS_DIRS), calls=("tree",)),
    Check("contributing-present", "Repository has contribution guidelines",
          "Contributors need to know how changes are proposed and reviewed.",
          "Add CONTRIBUTING.md (root, .github/ or docs/).",
          _finder("CONTRIBUTING", stem_with_any_extension("contributing"), COMMUNITY_DIRS), calls=("tree",)),
)
