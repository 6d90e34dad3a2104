"""Which repositories an organization ruleset targets, so that its `repository_ruleset` event re-evaluates only them.

GitHub targets the repositories of an organization ruleset by one repository condition (`org-ruleset-conditions` in
GitHub's OpenAPI description, @octokit/openapi); `ref_name` says which branches inside them and does not change
which repositories are targeted:

- `repository_name`: `include` (one pattern must match; `~ALL` is every repository) and `exclude` (no pattern may
  match), fnmatch patterns; `protected` only forbids renaming, it does not narrow the targets.
- `repository_id`: `repository_ids` (one must match).
- `repository_property`: `include` (every spec must match) and `exclude` (no spec may), a spec being a property
  name and the values that match.

Names come from what the app knows (`webhook_store.known_repositories`: the newest full listing plus what webhook
evaluations stored since). Where that cannot answer (no full listing yet and a pattern to match, an id the app never
saw, a property no known repository carries, a `system` property, a condition kind not listed above, an `edited`
event whose `changes` cannot be read back), the answer is every repository: re-evaluating too much costs requests,
too little leaves a violation unseen until the daily scan. For the same reason names and values match
case-insensitively (GitHub's repository names are), a superset of what GitHub targets.
"""
from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared.policies.repo import RepoSnapshot

ALL = "~ALL"
Known = Callable[[], "Sequence[RepoSnapshot] | None"]
_WILDCARDS = frozenset("*?[")


@dataclass(frozen=True)
class Targets:
    """The repositories a ruleset targets: `names`, or every repository (`everything`, with `why`)."""

    names: frozenset[str] = frozenset()
    everything: bool = False
    why: str = ""

    def __or__(self, other: "Targets") -> "Targets":
        if self.everything:
            return self
        if other.everything:
            return other
        return Targets(self.names | other.names)


def every(why: str) -> Targets:
    return Targets(everything=True, why=why)


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _matches(name: str, patterns: Iterable[str]) -> bool:
    lowered = name.lower()
    return any(p == ALL or fnmatch.fnmatchcase(lowered, p.lower()) for p in patterns)


def _by_name(condition: Mapping[str, Any], known: Known) -> Targets:
    include, exclude = _strings(condition.get("include")), _strings(condition.get("exclude"))
    if ALL in exclude:
        return Targets()
    if ALL in include and not exclude:
        # Exactly the organization: the org-wide scan also reaches repositories the app has not seen yet.
        return every("the ruleset targets every repository (~ALL)")
    # A literal name is a target even when the app has not seen the repository (a GET answers for it).
    literal = {p for p in include if not set(p) & _WILDCARDS and p != ALL and not _matches(p, exclude)}
    if len(literal) == len(include):
        return Targets(frozenset(literal))
    repos = known()
    if repos is None:
        return every("the app has not listed the organization yet, so patterns cannot be matched")
    matched = {r.name for r in repos if _matches(r.name, include) and not _matches(r.name, exclude)}
    return Targets(frozenset(matched | literal))


def _by_id(condition: Mapping[str, Any], known: Known) -> Targets:
    wanted = {int(i) for i in condition.get("repository_ids") or [] if isinstance(i, int)}
    if not wanted:
        return Targets()
    repos = known()
    if repos is None:
        return every("the app has not listed the organization yet, so repository ids cannot be resolved")
    names = {r.repository_id: r.name for r in repos if r.repository_id}
    unknown = sorted(wanted - set(names))
    if unknown:
        return every(f"repository id {unknown[0]} is not one the app has seen")
    return Targets(frozenset(names[i] for i in wanted))


def _spec_matches(spec: Mapping[str, Any], repo: RepoSnapshot) -> bool:
    lowered = {k.lower(): v for k, v in repo.custom_properties.items()}
    value = lowered.get(str(spec.get("name")).lower())
    values = {v.lower() for v in value.split(",")} if value else set()
    return bool(values & {str(v).lower() for v in spec.get("property_values") or []})


def _by_property(condition: Mapping[str, Any], known: Known) -> Targets:
    include = [s for s in condition.get("include") or [] if isinstance(s, Mapping)]
    exclude = [s for s in condition.get("exclude") or [] if isinstance(s, Mapping)]
    for spec in include + exclude:
        if str(spec.get("source") or "custom") != "custom":
            return every(f"{spec.get('source')} property {spec.get('name')} is not one the app reads")
    repos = known()
    if repos is None:
        return every("the app has not listed the organization yet, so properties cannot be matched")
    carried = {k.lower() for r in repos for k in r.custom_properties}
    for spec in include + exclude:
        if str(spec.get("name")).lower() not in carried:
            # Either no repository has a value or the listing did not carry properties: the app cannot tell.
            return every(f"no repository the app knows carries property {spec.get('name')}")
    return Targets(frozenset(r.name for r in repos if all(_spec_matches(s, r) for s in include)
                             and not any(_spec_matches(s, r) for s in exclude)))


_RESOLVERS: dict[str, Callable[[Mapping[str, Any], Known], Targets]] = {
    "repository_name": _by_name, "repository_id": _by_id, "repository_property": _by_property}


def repository_targets(conditions: Any, known: Sequence[RepoSnapshot] | None | Known) -> Targets:
    """The repositories these ruleset conditions target, from `known` (None: the app knows no full listing; a
    callable is only called when a pattern, id or property has to be matched)."""
    load: Known = known if callable(known) else (lambda: known)
    if not isinstance(conditions, Mapping):
        return every("the ruleset carries no conditions")
    kinds = sorted(k for k in conditions if k != "ref_name")
    if not kinds:
        return every("the ruleset has no repository condition")
    if any(k not in _RESOLVERS for k in kinds):
        return every(f"repository condition {next(k for k in kinds if k not in _RESOLVERS)} is not one the app "
                     f"reads")
    targets = Targets()
    for kind in kinds:  # GitHub allows one; more than one would be a union at worst (a superset)
        condition = conditions[kind]
        targets = targets | _RESOLVERS[kind](condition if isinstance(condition, Mapping) else {}, load)
    return targets


def previous_conditions(current: Mapping[str, Any], changes: Any) -> Mapping[str, Any] | None:
    """The conditions before an `edited` event, read back from its `changes` (GitHub sends `changes.conditions`
    only when they changed: `added` and `deleted` conditions, and `updated` ones with the `from` value of each changed
    key); None when they cannot be read back (then the caller targets every repository)."""
    if not isinstance(changes, Mapping) or "conditions" not in changes:
        return current
    delta = changes["conditions"]
    if not isinstance(delta, Mapping):
        return None
    before = dict(current)
    for added in delta.get("added") or []:
        if not isinstance(added, Mapping):
            return None
        for kind in added:
            before.pop(kind, None)
    for deleted in delta.get("deleted") or []:
        if not isinstance(deleted, Mapping):
            return None
        before.update(deleted)
    for updated in delta.get("updated") or []:
        condition = updated.get("condition") if isinstance(updated, Mapping) else None
        what = updated.get("changes") if isinstance(updated, Mapping) else None
        if not isinstance(condition, Mapping) or len(condition) != 1 or not isinstance(what, Mapping):
            return None
        if "condition_type" in what or "target" in what:
            return None  # the kind itself changed: the old condition is not carried whole
        [(kind, value)] = condition.items()
        old = dict(value) if isinstance(value, Mapping) else {}
        for key, change in what.items():
            if not isinstance(change, Mapping) or "from" not in change:
                return None
            old[key] = change["from"]
        before[kind] = old
    return before


def event_targets(payload: Mapping[str, Any], known: Known) -> Targets:
    """The repositories an organization `repository_ruleset` event can change: the ruleset's targets, and for
    `edited` also those it targeted before (a repository no longer targeted can become violating). `known` is called
    at most once, and not at all when literal names settle it."""
    ruleset = payload.get("repository_ruleset")
    if not isinstance(ruleset, Mapping):
        return every("the event carries no ruleset")
    loaded: list[Sequence[RepoSnapshot] | None] = []

    def once() -> Sequence[RepoSnapshot] | None:
        if not loaded:
            loaded.append(known())
        return loaded[0]

    conditions = ruleset.get("conditions")
    now = repository_targets(conditions, once)
    if payload.get("action") != "edited":
        return now
    before = previous_conditions(conditions if isinstance(conditions, Mapping) else {}, payload.get("changes"))
    if before is None:
        return every("the previous conditions cannot be read back from the event's changes")
    return now | repository_targets(before, once)
