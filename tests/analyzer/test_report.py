"""Report aggregation, score and the Markdown / HTML / SARIF renderings of one report."""
from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from shared.analyzer.model import CheckOutcome, Finding
from shared.analyzer.render import render
from shared.analyzer.render.sarif import LEVELS
from shared.analyzer.report import build_report, score

PK = "pg-table-without-primary-key"
JOB = {"job_id": "analysis-" + "0" * 32, "engine": "postgresql", "target": "127.0.0.1:5432/shop",
       "analysis_type": "comprehensive", "started_at": "2026-11-22T06:00:00+00:00", "created_at": "x"}
SERVER = {"engine": "postgresql", "flavor": "postgresql", "version": "16.4", "database": "shop", "objectCount": 12,
          "statsSince": "2026-11-01T00:00:00+00:00"}


def finding(check: str, severity: str, obj: str, **details: object) -> Finding:
    return Finding(check, "schema", severity, obj, f"{obj} is wrong.", f"Fix {obj}.", dict(details))


def test_score_is_100_without_findings_and_never_negative() -> None:
    assert score([CheckOutcome("a"), CheckOutcome("b", skipped="permission denied")]) == 100
    many = [CheckOutcome(f"c{i}", [finding(f"c{i}", "critical", "t")] * 50) for i in range(40)]
    assert score(many) == 0


def test_score_orders_by_severity_and_info_costs_nothing() -> None:
    def one(severity: str, count: int = 1) -> int:
        return score([CheckOutcome("x", [finding("x", severity, f"t{i}") for i in range(count)])])

    assert one("info") == 100
    assert one("critical") < one("high") < one("medium") < one("low") < 100
    assert one("medium", 3) < one("medium", 1)
    assert one("low", 100) > one("critical", 1)  # many small problems do not outweigh a critical one


def test_report_shape_order_summary_and_usage_statistics() -> None:
    outcomes = [CheckOutcome(PK, [finding(PK, "high", "public.b", schema_name="public"),
                                  finding(PK, "critical", "public.a")]),
                CheckOutcome("other-check", [finding("other-check", "low", "z")]),
                CheckOutcome("skipped-check", skipped="requires postgresql 17")]
    report = build_report(JOB, SERVER, outcomes, "2026-11-22T06:01:00+00:00")
    assert [f["severity"] for f in report["findings"]] == ["critical", "high", "low"]
    assert report["summary"] == {"critical": 1, "high": 1, "medium": 0, "low": 1, "info": 0}
    assert report["skipped"] == [{"checkId": "skipped-check", "reason": "requires postgresql 17"}]
    assert report["serverVersion"] == "16.4" and report["database"] == "shop" and report["checksRun"] == 2
    assert report["score"] == score(outcomes)
    for key in ("jobId", "engine", "serverVersion", "database", "analysisType", "startedAt", "completedAt",
                "score", "summary", "findings", "skipped"):
        assert key in report
    assert set(report["findings"][0]) >= {"checkId", "category", "severity", "object", "message",
                                          "recommendation", "details"}


@pytest.fixture()
def report() -> dict:
    outcomes = [CheckOutcome(PK, [finding(PK, "high", "public.<script>alert(1)</script>", schema_name="public",
                                          table_name="<script>alert(1)</script>")]),
                CheckOutcome("unknown-to-catalog", [finding("unknown-to-catalog", "medium", "db")]),
                CheckOutcome("pg-other", skipped="timed out after 30 s | statement timeout")]
    return build_report(JOB, SERVER, outcomes, "2026-11-22T06:01:00+00:00")


def test_markdown(report: dict) -> None:
    body, media = render(report, "markdown")
    assert media == "text/markdown"
    assert body.startswith("# SQL analysis report") and "Score" in body
    assert PK in body and "## Skipped checks" in body and "timed out after 30 s \\| statement" in body


def test_markdown_of_an_empty_report_says_no_findings() -> None:
    body, _ = render(build_report(JOB, SERVER, [], "t"), "markdown")
    assert "No findings." in body and "100 / 100" in body


def test_html_escapes_database_names(report: dict) -> None:
    body, media = render(report, "html")
    assert media == "text/html"
    assert "<script>" not in body and "&lt;script&gt;" in body
    assert 'href="https://www.postgresql.org/docs/' in body


# SARIF 2.1.0 (OASIS): the parts the standard and GitHub code scanning require, written down from the specification
# (sections 3.13, 3.14, 3.19, 3.27, 3.33, 3.49) as a fast unit check; the official schema and Microsoft's validator
# run in test_sarif_official.py.
SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"const": "2.1.0"},
        "runs": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["tool"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {
                    "type": "object", "required": ["name"],
                    "properties": {"name": {"type": "string"}, "rules": {"type": "array", "items": {
                        "type": "object", "required": ["id"],
                        "properties": {"id": {"type": "string"}, "helpUri": {"type": "string", "format": "uri"},
                                       "shortDescription": {"$ref": "#/$defs/message"},
                                       "fullDescription": {"$ref": "#/$defs/message"},
                                       "defaultConfiguration": {"type": "object", "properties": {
                                           "level": {"$ref": "#/$defs/level"}}}}}}}}}},
                "results": {"type": "array", "items": {
                    "type": "object", "required": ["message"],
                    "properties": {"ruleId": {"type": "string"}, "ruleIndex": {"type": "integer", "minimum": 0},
                                   "level": {"$ref": "#/$defs/level"}, "message": {"$ref": "#/$defs/message"},
                                   "locations": {"type": "array", "items": {"type": "object", "properties": {
                                       "logicalLocations": {"type": "array", "minItems": 1, "items": {
                                           "type": "object", "properties": {
                                               "fullyQualifiedName": {"type": "string"},
                                               "kind": {"type": "string"}}}}}}},
                                   "partialFingerprints": {"type": "object",
                                                           "additionalProperties": {"type": "string"}}}}},
            }}},
    },
    "$defs": {"level": {"enum": ["none", "note", "warning", "error"]},
              "message": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}},
}


def test_sarif_is_valid_2_1_0_with_rules_levels_and_logical_locations(report: dict) -> None:
    body, media = render(report, "sarif")
    assert media == "application/sarif+json"
    sarif = json.loads(body)
    errors = list(Draft202012Validator(SARIF_SUBSET).iter_errors(sarif))
    assert not errors, errors[0].message
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len({r["id"] for r in rules}) == len(rules)
    first = run["results"][0]
    assert first["ruleId"] == PK and first["level"] == "error"
    assert rules[first["ruleIndex"]]["id"] == PK
    assert rules[first["ruleIndex"]]["helpUri"].startswith("https://www.postgresql.org/")
    assert first["locations"][0]["logicalLocations"][0] == {
        "fullyQualifiedName": "public.<script>alert(1)</script>", "kind": "table"}
    unknown = run["results"][1]
    assert "ruleIndex" not in unknown and unknown["level"] == "warning"
    assert run["invocations"][0]["toolExecutionNotifications"][0]["descriptor"]["id"] == "pg-other"


def test_level_mapping() -> None:
    assert LEVELS == {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
