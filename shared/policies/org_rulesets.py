"""Which organization rulesets cover a repository's default branch, decided from the org listing alone.

One `GET /orgs/{org}/rulesets` (+ one per ruleset) per scan can settle branch protection for every repository a
baseline ruleset covers, without a per-repository request. Anything that cannot be decided from the snapshot
(repository ids, a listing without custom properties, unknown condition kinds) counts as "not covered": the
per-repository requests then answer, and `GET …/rules/branches/{b}` includes organization rulesets anyway, so the
shortcut can only save requests, never change a verdict.
"""
from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from typing import Any

from shared.policies.repo import RepoSnapshot

_KNOWN = {"ref_name", "repository_name", "repository_property"}


def _ref_matches(patterns: Iterable[str], branch: str) -> bool:
    ref = f"refs/heads/{branch}"
    return any(p in ("~ALL", "~DEFAULT_BRANCH") or fnmatch.fnmatchcase(ref, p) or fnmatch.fnmatchcase(branch, p)
               for p in patterns)


def _property_matches(spec: Mapping[str, Any], repo: RepoSnapshot) -> bool:
    value = repo.custom_properties.get(str(spec.get("name")))
    values = set(value.split(",")) if value else set()
    return bool(values & {str(v) for v in spec.get("property_values") or []})


def covers(ruleset: Mapping[str, Any], repo: RepoSnapshot) -> bool:
    """True only when the ruleset certainly applies to the default branch (active, branch target)."""
    if ruleset.get("enforcement") != "active" or ruleset.get("target", "branch") != "branch":
        return False
    conditions = ruleset.get("conditions") or {}
    if not conditions or set(conditions) - _KNOWN:
        return False
    ref = conditions.get("ref_name") or {}
    include = list(ref.get("include") or [])
    # "~DEFAULT_BRANCH" in the exclusions would exclude it; other exclusions are matched like inclusions.
    if not _ref_matches(include, repo.default_branch):
        return False
    if any(p == "~DEFAULT_BRANCH" or p == "~ALL" or fnmatch.fnmatchcase(f"refs/heads/{repo.default_branch}", p)
           or fnmatch.fnmatchcase(repo.default_branch, p) for p in ref.get("exclude") or []):
        return False
    if "repository_name" in conditions:
        names = conditions["repository_name"] or {}
        if not any(p == "~ALL" or fnmatch.fnmatchcase(repo.name, p) for p in names.get("include") or []):
            return False
        return not any(p == "~ALL" or fnmatch.fnmatch(repo.name.lower(), p.lower())
                       for p in names.get("exclude") or [])
    if "repository_property" in conditions:
        if not repo.custom_properties:
            return False  # the listing did not carry custom properties: cannot decide
        prop = conditions["repository_property"] or {}
        return all(_property_matches(s, repo) for s in prop.get("include") or []) \
            and not any(_property_matches(s, repo) for s in prop.get("exclude") or [])
    return False


def rules_covering(rulesets: Iterable[Mapping[str, Any]], repo: RepoSnapshot) -> list[dict[str, Any]]:
    return [dict(rule) for rs in rulesets if covers(rs, repo) for rule in rs.get("rules") or []]
