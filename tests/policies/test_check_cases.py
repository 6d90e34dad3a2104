"""One runner for every check's YAML cases (`tests/fixtures/policies/<check>.yml`), and the catalog walk."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.policies.checks import CATALOG, REGISTRY
from shared.policies.repo import RepoSnapshot

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "policies"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "policy-enforcer.md"


class InMemoryGitHub:
    """Implements the check Protocols from a case's `github` data; any call not given fails the case."""

    def __init__(self, data: dict[str, Any], now: str | None) -> None:
        self.data = data
        self._now = datetime.fromisoformat(now.replace("Z", "+00:00")) if now else datetime.now(timezone.utc)
        self.calls: list[str] = []

    def _get(self, key: str) -> Any:
        self.calls.append(key)
        if key not in self.data:
            raise AssertionError(f"the check asked for '{key}', which the case does not provide")
        return self.data[key]

    def now(self) -> datetime:
        return self._now

    def file_paths(self, repo: RepoSnapshot) -> frozenset[str]:
        return frozenset(self._get("files"))

    def org_rules(self, repo: RepoSnapshot) -> list[dict[str, Any]]:
        # Cases that do not mention organization rulesets have none (as most organizations).
        self.calls.append("org_rules")
        return self.data.get("org_rules", [])

    def classic_protection(self, repo: RepoSnapshot) -> dict[str, Any] | None:
        return self._get("protection")

    def branch_rules(self, repo: RepoSnapshot) -> list[dict[str, Any]]:
        return self._get("rules")

    def vulnerability_alerts_enabled(self, repo: RepoSnapshot) -> bool:
        return self._get("alerts")

    def outside_admins(self, repo: RepoSnapshot) -> list[str]:
        return self._get("outside_admins")


def _cases() -> list[Any]:
    out = []
    for path in sorted(FIXTURES.glob("*.yml")):
        doc = yaml.safe_load(path.read_text())
        for case in doc["cases"]:
            out.append(pytest.param(doc["check"], case, id=f"{doc['check']}: {case['name']}"))
    return out


@pytest.mark.parametrize(("check_id", "case"), _cases())
def test_check_case(check_id: str, case: dict[str, Any]) -> None:
    assert case.get("why"), "every case says why it exists"
    check = REGISTRY[check_id]
    repo = RepoSnapshot.from_json({"name": "svc", "full_name": "acme/svc", **(case.get("repo") or {})})
    github = InMemoryGitHub(case.get("github") or {}, case.get("now"))
    params = check.resolve_params(case.get("params"))
    if case.get("error"):
        with pytest.raises(Exception):
            check.evaluate(repo, params, github)
        return
    result = check.evaluate(repo, params, github)
    assert result.passed is case["passed"], result.message
    assert result.message


def test_every_check_has_fixture_with_pass_and_fail_and_docs() -> None:
    docs = DOCS.read_text()
    assert len(CATALOG) >= 15
    for check in CATALOG:
        path = FIXTURES / f"{check.id}.yml"
        assert path.exists(), f"{check.id}: no fixture {path.name}"
        outcomes = {c.get("passed") for c in yaml.safe_load(path.read_text())["cases"]}
        assert {True, False} <= outcomes, f"{check.id}: needs a passing and a failing case"
        assert f"`{check.id}`" in docs, f"{check.id}: not documented in docs/policy-enforcer.md"


def test_classic_protection_that_suffices_skips_the_rulesets_request() -> None:
    github = InMemoryGitHub({"protection": {"required_pull_request_reviews": {"required_approving_review_count": 1}}},
                            None)
    check = REGISTRY["branch-protection"]
    repo = RepoSnapshot("svc", "acme/svc")
    assert check.evaluate(repo, check.resolve_params({}), github).passed
    assert github.calls == ["org_rules", "protection"]


def test_sufficient_organization_rulesets_skip_every_per_repository_request() -> None:
    rules = [{"type": "pull_request", "parameters": {"required_approving_review_count": 1}},
             {"type": "non_fast_forward"}]
    github = InMemoryGitHub({"org_rules": rules}, None)
    check = REGISTRY["branch-protection"]
    result = check.evaluate(RepoSnapshot("svc", "acme/svc"), check.resolve_params({}), github)
    assert result.passed and github.calls == ["org_rules"]


def test_insufficient_organization_rulesets_fall_back_to_the_repository() -> None:
    github = InMemoryGitHub({"org_rules": [{"type": "non_fast_forward"}], "protection": None,
                             "rules": [{"type": "non_fast_forward"}]}, None)
    check = REGISTRY["branch-protection"]
    result = check.evaluate(RepoSnapshot("svc", "acme/svc"), check.resolve_params({}), github)
    assert not result.passed and github.calls == ["org_rules", "protection", "rules"]
