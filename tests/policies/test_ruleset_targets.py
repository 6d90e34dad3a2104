"""Which repositories an organization ruleset targets (GitHub's `org-ruleset-conditions`), from the repositories the
app knows; every repository wherever that cannot answer. Cases are data: conditions, expected names or `EVERY`."""
from __future__ import annotations

from typing import Any

import pytest

from shared.policies.repo import RepoSnapshot
from shared.policies.ruleset_targets import Targets, event_targets, previous_conditions, repository_targets

EVERY = "every repository"


def _repo(name: str, ident: int = 0, **props: str) -> RepoSnapshot:
    return RepoSnapshot(name=name, full_name=f"acme/{name}", repository_id=ident, custom_properties=dict(props))


KNOWN = [_repo("demo-a1", 11, team="payments"), _repo("demo-a2", 12, team="payments,platform"),
         _repo("demo-b1", 21, team="platform"), _repo("Demo-A3", 13), _repo("steady", 31, tier="gold")]
REF = {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}}


def _names(targets: Targets) -> Any:
    return EVERY if targets.everything else sorted(targets.names)


@pytest.mark.parametrize(("conditions", "expected"), [
    # A pattern matches like GitHub's fnmatch, names compared case-insensitively (a superset is safe).
    ({**REF, "repository_name": {"include": ["demo-a*"], "exclude": []}}, ["Demo-A3", "demo-a1", "demo-a2"]),
    ({**REF, "repository_name": {"include": ["demo-*"], "exclude": ["*-a?"]}}, ["demo-b1"]),
    ({**REF, "repository_name": {"include": ["demo-[ab]1", "steady"], "exclude": [], "protected": True}},
     ["demo-a1", "demo-b1", "steady"]),  # `protected` forbids renames; it does not narrow the targets
    # ~ALL: the whole organization, evaluated by one org-wide scan (it also reaches repositories not seen yet).
    ({**REF, "repository_name": {"include": ["~ALL"], "exclude": []}}, EVERY),
    ({**REF, "repository_name": {"include": ["~ALL"], "exclude": ["demo-*"]}}, ["steady"]),
    ({**REF, "repository_name": {"include": ["demo-a1"], "exclude": ["~ALL"]}}, []),
    # A literal name is a target even when the app has not seen that repository.
    ({**REF, "repository_name": {"include": ["brand-new", "demo-a1"], "exclude": ["demo-a1"]}}, ["brand-new"]),
    # Ids resolve through the snapshots; one the app never saw means every repository.
    ({**REF, "repository_id": {"repository_ids": [11, 21]}}, ["demo-a1", "demo-b1"]),
    ({**REF, "repository_id": {"repository_ids": [11, 999]}}, EVERY),
    # Properties: every include spec must match, no exclude spec may; multi-select values are any-of.
    ({**REF, "repository_property": {"include": [{"name": "team", "property_values": ["payments"]}],
                                     "exclude": []}}, ["demo-a1", "demo-a2"]),
    ({**REF, "repository_property": {"include": [{"name": "team", "property_values": ["platform"]}],
                                     "exclude": [{"name": "team", "property_values": ["payments"]}]}},
     ["demo-b1"]),
    # A property no known repository carries, or a system property: the app cannot tell, so every repository.
    ({**REF, "repository_property": {"include": [{"name": "cost-center", "property_values": ["42"]}]}}, EVERY),
    ({**REF, "repository_property": {"include": [{"name": "fork", "property_values": ["true"],
                                                  "source": "system"}]}}, EVERY),
    # No repository condition, or one this code does not know: every repository.
    (REF, EVERY),
    ({**REF, "repository_owner": {"include": ["acme"]}}, EVERY),
    (None, EVERY),
])
def test_repository_targets(conditions: Any, expected: Any) -> None:
    assert _names(repository_targets(conditions, KNOWN)) == expected


def test_ref_name_does_not_change_which_repositories_are_targeted() -> None:
    names = {"repository_name": {"include": ["demo-a*"], "exclude": []}}
    branches = [{"include": ["~DEFAULT_BRANCH"]}, {"include": ["refs/heads/release/*"], "exclude": ["~ALL"]}, {}]
    assert {frozenset(repository_targets({**names, "ref_name": ref}, KNOWN).names) for ref in branches} == {
        frozenset({"demo-a1", "demo-a2", "Demo-A3"})}


def test_without_a_full_listing_patterns_fall_back_to_every_repository_but_literal_names_do_not() -> None:
    pattern = {**REF, "repository_name": {"include": ["demo-a*"], "exclude": []}}
    literal = {**REF, "repository_name": {"include": ["demo-a1", "demo-b1"], "exclude": []}}
    assert repository_targets(pattern, None).everything
    assert "not listed" in repository_targets(pattern, None).why
    calls: list[int] = []
    assert _names(repository_targets(literal, lambda: calls.append(1) or KNOWN)) == ["demo-a1", "demo-b1"]
    assert calls == []  # literal names never read the database
    assert repository_targets({**REF, "repository_id": {"repository_ids": [11]}}, None).everything
    assert repository_targets({**REF, "repository_property": {"include": [
        {"name": "team", "property_values": ["payments"]}]}}, None).everything


def _event(action: str, conditions: dict[str, Any], changes: dict[str, Any] | None = None,
           target: str = "branch") -> dict[str, Any]:
    payload: dict[str, Any] = {"action": action, "organization": {"login": "acme"},
                               "repository_ruleset": {"id": 7, "name": "baseline", "target": target,
                                                      "source_type": "Organization", "source": "acme",
                                                      "enforcement": "active", "conditions": conditions}}
    if changes is not None:
        payload["changes"] = changes
    return payload


def test_an_edit_re_evaluates_the_old_and_the_new_targets() -> None:
    now = {**REF, "repository_name": {"include": ["demo-b*"], "exclude": [], "protected": False}}
    changes = {"conditions": {"updated": [{"condition": {"repository_name": now["repository_name"]},
                                           "changes": {"include": {"from": ["demo-a1", "demo-a2"]}}}]}}
    assert _names(event_targets(_event("edited", now, changes), lambda: KNOWN)) == ["demo-a1", "demo-a2", "demo-b1"]


def test_an_edit_that_switched_the_condition_kind_re_evaluates_both() -> None:
    now = {**REF, "repository_id": {"repository_ids": [31]}}
    changes = {"conditions": {"added": [{"repository_id": {"repository_ids": [31]}}],
                              "deleted": [{"repository_name": {"include": ["demo-a*"], "exclude": []}}]}}
    assert previous_conditions(now, changes) == {**REF, "repository_name": {"include": ["demo-a*"], "exclude": []}}
    assert _names(event_targets(_event("edited", now, changes), lambda: KNOWN)) == [
        "Demo-A3", "demo-a1", "demo-a2", "steady"]


def test_an_edit_without_condition_changes_re_evaluates_the_current_targets() -> None:
    now = {**REF, "repository_name": {"include": ["demo-b*"], "exclude": []}}
    edited = _event("edited", now, {"enforcement": {"from": "disabled"}})
    assert _names(event_targets(edited, lambda: KNOWN)) == ["demo-b1"]


def test_an_edit_whose_previous_conditions_cannot_be_read_back_re_evaluates_every_repository() -> None:
    now = {**REF, "repository_name": {"include": ["demo-b*"], "exclude": []}}
    kind_changed = {"conditions": {"updated": [{"condition": {"repository_name": now["repository_name"]},
                                                "changes": {"condition_type": {"from": "repository_property"}}}]}}
    assert event_targets(_event("edited", now, kind_changed), lambda: KNOWN).everything
    assert event_targets(_event("edited", now, {"conditions": "garbled"}), lambda: KNOWN).everything


def test_created_and_deleted_re_evaluate_the_rulesets_targets() -> None:
    conditions = {**REF, "repository_name": {"include": ["demo-a*"], "exclude": ["Demo-A3"]}}
    for action in ("created", "deleted"):
        assert _names(event_targets(_event(action, conditions), lambda: KNOWN)) == ["demo-a1", "demo-a2"]
    assert event_targets({"action": "created"}, lambda: KNOWN).everything  # no ruleset object at all
