"""The one interface every check implements (after Allstar's policydef): metadata declared once, and an
`evaluate(repo, params, github)` that returns a `CheckResult` and never acts.

`github` is a narrow Protocol per check (see `ports.py`): a check names only the calls it needs, so a unit test
passes a small in-memory object, and the evaluator can see which checks cost requests.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.policies.repo import RepoSnapshot


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    message: str  # one sentence for people: what is wrong (or that all is well)
    details: dict[str, Any] = field(default_factory=dict)  # data: what was found vs expected


@dataclass(frozen=True)
class Param:
    """A documented check parameter; `default` applies when the policy leaves it unset."""

    name: str
    kind: str  # int | bool | str | list
    default: Any
    doc: str
    minimum: int | None = None


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    why: str  # why it matters (issue body)
    fix: str  # how to fix it (issue body)
    evaluate: Callable[[RepoSnapshot, Mapping[str, Any], Any], CheckResult]
    params: tuple[Param, ...] = ()
    calls: tuple[str, ...] = ()  # GitHub requests beyond the org listing, for docs and cost estimates

    def resolve_params(self, given: Mapping[str, Any] | None) -> dict[str, Any]:
        resolved = {p.name: p.default for p in self.params}
        resolved.update(given or {})
        return resolved


def passed(message: str, **details: Any) -> CheckResult:
    return CheckResult(True, message, details)


def failed(message: str, **details: Any) -> CheckResult:
    return CheckResult(False, message, details)
