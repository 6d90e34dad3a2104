"""Deciding from the listing alone whether an organization ruleset covers a default branch (undecidable → no)."""
from __future__ import annotations

from typing import Any

import pytest

from shared.policies.org_rulesets import covers, rules_covering
from shared.policies.repo import RepoSnapshot

RULES = [{"type": "non_fast_forward"}]


def _rs(conditions: dict[str, Any], enforcement: str = "active") -> dict[str, Any]:
    return {"id": 1, "name": "baseline", "target": "branch", "enforcement": enforcement, "conditions": conditions,
            "rules": RULES}


REF = {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}}
REPO = RepoSnapshot("svc-api", "acme/svc-api", custom_properties={"team": "payments"})


@pytest.mark.parametrize("ruleset,repo,expected", [
    (_rs({**REF, "repository_name": {"include": ["~ALL"], "exclude": []}}), REPO, True),
    (_rs({**REF, "repository_name": {"include": ["svc-*"], "exclude": ["*-legacy"]}}), REPO, True),
    (_rs({**REF, "repository_name": {"include": ["~ALL"], "exclude": ["SVC-*"]}}), REPO, False),
    (_rs({**REF, "repository_name": {"include": ["web-*"], "exclude": []}}), REPO, False),
    (_rs({**REF, "repository_name": {"include": ["~ALL"]}}, "evaluate"), REPO, False),
    (_rs({**REF, "repository_name": {"include": ["~ALL"]}}, "disabled"), REPO, False),
    (_rs({"ref_name": {"include": ["refs/heads/main"]}, "repository_name": {"include": ["~ALL"]}}), REPO, True),
    (_rs({"ref_name": {"include": ["refs/heads/release/*"]}, "repository_name": {"include": ["~ALL"]}}), REPO,
     False),
    (_rs({"ref_name": {"include": ["~ALL"], "exclude": ["~DEFAULT_BRANCH"]},
          "repository_name": {"include": ["~ALL"]}}), REPO, False),
    (_rs({**REF, "repository_property": {"include": [{"name": "team", "property_values": ["payments"]}]}}),
     REPO, True),
    (_rs({**REF, "repository_property": {"include": [{"name": "team", "property_values": ["data"]}]}}),
     REPO, False),
    (_rs({**REF, "repository_property": {"exclude": [{"name": "team", "property_values": ["payments"]}]}}),
     REPO, False),
    # the listing carried no custom properties: cannot decide, so not covered
    (_rs({**REF, "repository_property": {"include": [{"name": "team", "property_values": ["payments"]}]}}),
     RepoSnapshot("svc-api", "acme/svc-api"), False),
    (_rs({**REF, "repository_id": {"repository_ids": [42]}}), REPO, False),
    ({"id": 2, "name": "summary only", "enforcement": "active"}, REPO, False),
])
def test_covers(ruleset: dict[str, Any], repo: RepoSnapshot, expected: bool) -> None:
    assert covers(ruleset, repo) is expected
    assert rules_covering([ruleset], repo) == (RULES if expected else [])
