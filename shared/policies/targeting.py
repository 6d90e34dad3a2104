"""Which policies apply to a repository, and whether an exemption covers it.

Archived repositories and forks are skipped unless a policy asks for them: acting on them is noise (an archived
repository's issues are read-only anyway).
"""
from __future__ import annotations

import fnmatch

from shared.policies.config import Policy
from shared.policies.repo import RepoSnapshot


def skip_reason(policy: Policy, repo: RepoSnapshot) -> str | None:
    """None when the policy targets the repository, else why not (recorded as a `skipped` result)."""
    t = policy.targets
    if repo.archived and not t.include_archived:
        return "archived repository"
    if repo.fork and not t.include_forks:
        return "forked repository"
    if not any(fnmatch.fnmatchcase(repo.name, glob) for glob in t.include):
        return "not matched by targets.include"
    if any(fnmatch.fnmatchcase(repo.name, glob) for glob in t.exclude):
        return "excluded by targets.exclude"
    if t.visibility and repo.visibility not in t.visibility:
        return f"visibility {repo.visibility} not targeted"
    if t.topics and not set(t.topics) & set(repo.topics):
        return "none of the targeted topics"
    for name, glob in t.properties:
        if not fnmatch.fnmatchcase(repo.custom_properties.get(name, ""), glob):
            return f"custom property {name} does not match {glob}"
    return None


def targets(policy: Policy, repo: RepoSnapshot) -> bool:
    return skip_reason(policy, repo) is None
