"""Configuration validation (lines), targeting, exemptions and issue formatting."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.policies import issues
from shared.policies.config import ConfigError, load_config_file, parse_config
from shared.policies.evaluation import evaluate_policy
from shared.policies.repo import RepoSnapshot
from shared.policies.targeting import skip_reason

ROOT = Path(__file__).resolve().parents[2]


def test_default_configuration_is_valid_and_uses_at_least_fifteen_checks() -> None:
    config = load_config_file(str(ROOT / "config" / "policies.yaml"))
    assert len({p.check for p in config.policies}) >= 15
    assert config.settings.archive_enabled is False


def test_every_error_names_its_line_and_all_are_reported() -> None:
    text = ("version: 1\n"
            "policies:\n"
            "  - id: ok\n"
            "    check: readme-present\n"
            "  - id: Bad_Id\n"
            "    check: readme-present\n"
            "    severity: urgent\n"
            "  - id: x\n"
            "    check: branch-protection\n"
            "    params: {requiredReviews: -1}\n")
    with pytest.raises(ConfigError) as err:
        parse_config(text)
    found = {(i.line, i.path) for i in err.value.issues}
    assert (5, "policies[1].id") in found and (7, "policies[1].severity") in found
    assert (10, "policies[2].params.requiredReviews") in found


def test_yaml_syntax_error_names_the_line() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config("policies:\n  - id: a\n    check: [unclosed\n")
    assert err.value.issues[0].line >= 3 and "YAML" in err.value.issues[0].message


def test_duplicate_policy_ids_and_unknown_keys_are_rejected() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config("policies:\n  - {id: a, check: readme-present}\n  - {id: a, check: readme-present, colour: red}\n")
    messages = " ".join(i.message for i in err.value.issues)
    assert "duplicate policy id" in messages and "unknown key 'colour'" in messages


def test_org_override_replaces_policies_by_id_and_cannot_change_override_settings() -> None:
    base = parse_config("policies:\n  - {id: a, check: readme-present}\n  - {id: b, check: topics-present}\n")
    merged = parse_config("policies:\n  - {id: a, check: readme-present, action: log-only}\n", "org", base)
    assert [p.id for p in merged.policies] == ["b", "a"] and merged.policy("a").action == "log-only"
    with pytest.raises(ConfigError):
        parse_config("settings: {orgOverride: {enabled: false}}\n", "org", base)


def _policy(extra: str = ""):
    return parse_config("policies:\n  - id: p\n    check: readme-present\n" + extra).policies[0]


@pytest.mark.parametrize(("repo", "extra", "reason"), [
    (RepoSnapshot("a", "o/a", archived=True), "", "archived"),
    (RepoSnapshot("a", "o/a", fork=True), "", "forked"),
    (RepoSnapshot("a", "o/a", archived=True), "    targets: {includeArchived: true}\n", None),
    (RepoSnapshot("api-x", "o/api-x"), "    targets: {include: ['web-*']}\n", "include"),
    (RepoSnapshot("web-x", "o/web-x"), "    targets: {exclude: ['web-*']}\n", "exclude"),
    (RepoSnapshot("a", "o/a", visibility="public"), "    targets: {visibility: [private]}\n", "visibility"),
    (RepoSnapshot("a", "o/a", topics=("pci",)), "    targets: {topics: [pci, sox]}\n", None),
    (RepoSnapshot("a", "o/a", custom_properties={"tier": "2"}), "    targets: {properties: {tier: '1'}}\n", "tier"),
])
def test_targeting(repo: RepoSnapshot, extra: str, reason: str | None) -> None:
    got = skip_reason(_policy(extra), repo)
    assert (got is None) if reason is None else (reason in got)


def test_exemption_applies_until_it_expires_and_costs_no_request() -> None:
    policy = _policy("    exemptions:\n      - {repository: 'legacy-*', reason: migrating, owner: ann, "
                     "expires: 2026-12-31}\n")
    repo = RepoSnapshot("legacy-app", "o/legacy-app")
    assert evaluate_policy(repo, policy, object(), date(2026, 12, 1)).outcome == "exempt"
    assert policy.exemption_for("legacy-app", date(2027, 1, 2)) is None  # expired: the check runs again


def test_issue_body_explains_and_carries_fingerprint_and_details_hash() -> None:
    policy = _policy()
    body = issues.body("acme/svc", policy, "No README file was found.", {"lookedIn": ["/"]}, "abc123",
                       "the platform team")
    assert issues.has_fingerprint(body, "acme/svc", "p")
    assert not issues.has_fingerprint(body, "acme/svc2", "p")
    assert issues.details_hash_in(body) == "abc123"
    for words in ("What is wrong", "Why it matters", "How to fix it", "exemption", "the platform team"):
        assert words in body
    assert issues.title(policy).startswith("[Policy violation]")


def _error_cases() -> list[Any]:
    doc = yaml.safe_load((ROOT / "tests" / "fixtures" / "policy_config" / "errors.yml").read_text())
    return [pytest.param(case, id=case["why"]) for case in doc["cases"]]


@pytest.mark.parametrize("case", _error_cases())
def test_schema_errors_read_as_before_with_file_line_and_path(case: dict[str, Any]) -> None:
    """The messages users saw from the hand-written validator, now produced from `config.schema.yaml` (recorded
    from the old validator where it answered; the two new cases were a crash and an unchecked `defaults`)."""
    assert case["why"]
    with pytest.raises(ConfigError) as err:
        parse_config(case["yaml"], "f.yaml")
    assert [str(i) for i in err.value.issues] == case["errors"]
    assert all(i.line >= 1 for i in err.value.issues)


def test_the_schema_is_valid_json_schema_and_knows_every_check() -> None:
    from shared.policies.checks import REGISTRY
    from shared.policies.config import _validator

    schema = _validator().schema
    assert set(schema["$defs"]["policy"]["properties"]["check"]["enum"]) == set(REGISTRY)
