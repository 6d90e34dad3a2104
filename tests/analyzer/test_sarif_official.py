"""The SARIF rendering checked with Microsoft's own SARIF tooling instead of a hand-written subset: the SARIF 2.1.0
schema shipped in `@microsoft/sarif-multitool-<platform>` (through `jsonschema`) and the Multitool's `validate`
verb, whose SARIF1xxx rules check what a schema cannot (indices, URIs, rule ids) and whose GH rules check what
GitHub code scanning requires on upload.

Both checks get a control: a deliberately broken log that each must reject, so a validator that silently checks
nothing cannot pass these tests. That matters for the Multitool in particular: a log it cannot deserialize (a
`level` outside the enum, say) is counted as "scanned" with no result and exit code 0, and its exit code is 0 even
when it reports errors, so the tests read its own SARIF output instead.
"""
from __future__ import annotations

import copy
import json
import os
import re
import shlex
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from jsonschema import FormatChecker, validators

from shared.analyzer import catalog, runner
from shared.analyzer.model import CheckOutcome
from shared.analyzer.render import render
from shared.analyzer.report import build_report
from shared.analyzer.session import AnalysisSession
from tests.analyzer.test_report import JOB, SERVER, finding

ROOT = Path(__file__).resolve().parents[2]
MULTITOOL = ROOT / "node_modules" / ".bin" / "sarif-multitool"
# The platform package the `sarif-multitool` wrapper runs (as its index.js resolves it) also ships the schema.
PLATFORM_PACKAGE = f"sarif-multitool-{sys.platform}"  # linux, darwin, win32: Node's names too
SCHEMA_PATH = ROOT / "node_modules" / "@microsoft" / PLATFORM_PACKAGE / "sarif-2.1.0.json"
SAMPLE_DB = ROOT / "samples" / "shop.db"
ENGINES = ("postgresql", "mysql", "sqlite", "sqlserver")

# What the Multitool may still say about our logs, by (rule id, message id), and why it is accepted. Anything else,
# at any level, fails: a new warning or note is either fixed in the renderer or argued for here.
ACCEPTED = {
    ("SARIF2005", "Warning_ProvideToolnformationUri"):
        "the analyzer has no public home page to put in tool.driver.informationUri; rules carry helpUri instead",
    ("SARIF2002", "Note_Default"):
        "messages are plain text (GitHub shows message.text); id + arguments would need messageStrings per rule",
    ("SARIF2003", "Note_Default"):
        "a database is not in version control, so there is no versionControlProvenance to give",
    ("SARIF2009", "Note_UseConventionalRuleIds"):
        "rule ids are the catalog's check ids (pg-unused-index), which the API and docs already use",
    ("SARIF2012", "Note_ProvideRuleMetadata"):
        "a stored report can name a check the catalog no longer has; the result then has no rule to point at",
}
# SARIF2006 fetches every URI over HTTP: slow, and a statement about the network rather than about the log.
MULTITOOL_CONFIG = """<?xml version="1.0" encoding="utf-8"?>
<Properties>
  <Properties Key="SARIF2006.UrisShouldBeReachable.Options">
    <Property Key="RuleEnabled" Value="Disabled" Type="Driver.RuleEnabledState" />
  </Properties>
</Properties>
"""
PASCAL_NAME = re.compile(r"^([A-Z][a-z0-9]+)+$")  # the Multitool's SARIF2012 test, non-empty


# -- the logs under test -------------------------------------------------------------------------------------------
def _engine_report(engine: str) -> dict[str, Any]:
    """One finding for every check of the engine (so every rule descriptor and every logical-location kind is
    rendered), one for a check the catalog does not know, and one skipped check."""
    kinds = ({"schema_name": "app", "table_name": "orders"},
             {"schema_name": "app", "table_name": "orders", "index_name": "orders_customer_idx"},
             {"schema_name": "app", "table_name": "orders", "column_name": "placed_at"},
             {"user_name": "report_reader"}, {"setting_name": "max_connections"}, {"object_type": "PROCEDURE"}, {})
    checks = [c for c in catalog.all_checks() if c.engine == engine]
    outcomes = [CheckOutcome(c.id, [finding(c.id, c.severity, f"app.object_{n} <&'\">", **kinds[n % len(kinds)])])
                for n, c in enumerate(checks)]
    outcomes.append(CheckOutcome("retired-check", [finding("retired-check", "medium", "app")]))
    outcomes.append(CheckOutcome(checks[0].id + "-skipped", skipped="timed out after 30 s"))
    job = {**JOB, "engine": engine}
    return build_report(job, {**SERVER, "engine": engine, "flavor": engine}, outcomes, "2026-11-22T06:01:00+00:00")


def _sample_report() -> dict[str, Any]:
    """The real thing: every SQLite check run on the bundled sample, as the activities do, then the stored shape."""
    checks = [c for c in catalog.all_checks() if c.engine == "sqlite"]
    with AnalysisSession(f"Driver={{SQLite3}};Database={SAMPLE_DB}") as session:
        assert session.server is not None
        server = {**session.server.to_json(), "objectCount": session.object_count()}
        outcomes = [runner.run_check(session, c) for c in checks]
    job = {**JOB, "engine": "sqlite", "target": "samples/shop.db"}
    return build_report(job, server, outcomes, "2026-11-22T06:01:00.123456+00:00")


@pytest.fixture(scope="module")
def logs() -> dict[str, dict[str, Any]]:
    """Rendered through the same entry point as the report endpoint (render(report, "sarif")), then parsed."""
    reports = {f"{engine}-catalog": _engine_report(engine) for engine in ENGINES}
    reports["sqlite-sample"] = _sample_report()
    assert reports["sqlite-sample"]["findings"], "the sample has planted defects: the report must have findings"
    return {name: json.loads(render(report, "sarif")[0]) for name, report in reports.items()}


def _broken(log: dict[str, Any]) -> dict[str, Any]:
    """Faults each validator must see: an out-of-range ruleIndex (SARIF1009), a result without locations (GitHub
    rejects it: GH1015), a helpUri that is no URI (SARIF1002; the schema's `format: uri`)."""
    broken = copy.deepcopy(log)
    run = broken["runs"][0]
    run["results"][0]["ruleIndex"] = 10_000
    del run["results"][1]["locations"]
    run["tool"]["driver"]["rules"][0]["helpUri"] = "see the docs"
    return broken


# -- (a) the official schema ---------------------------------------------------------------------------------------
def _format_checker() -> FormatChecker:
    """jsonschema checks `uri` and `date-time` only with optional packages; these are the RFC 3986 / RFC 3339
    grammars the schema means, so a malformed helpUri or start time fails here and not first at GitHub."""
    checker = FormatChecker(formats=("uuid",))
    uri_chars = r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*"

    @checker.checks("uri-reference")
    def _uri_reference(value: object) -> bool:
        return not isinstance(value, str) or re.fullmatch(uri_chars, value) is not None

    @checker.checks("uri")
    def _uri(value: object) -> bool:
        return not isinstance(value, str) or re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*:" + uri_chars, value) is not None

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if not re.fullmatch(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)", value):
            return False
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))  # month 13, hour 25 … raise
        return True

    return checker


@pytest.fixture(scope="module")
def schema_validator() -> Any:
    if not SCHEMA_PATH.exists():
        pytest.fail(f"{SCHEMA_PATH.relative_to(ROOT)} is missing: run `make deps` (npm ci) to install "
                    f"@microsoft/{PLATFORM_PACKAGE}, which ships the SARIF 2.1.0 schema")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    # The dialect comes from the schema's own $schema (2020-12 in sarif-sdk 5.7.0); its keywords (type, enum,
    # items as one schema, properties, required, oneOf/anyOf, $ref into "definitions") read the same in Draft 7.
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    checker = _format_checker()
    formats_used = {m for m in re.findall(r'"format":\s*"([^"]+)"', SCHEMA_PATH.read_text(encoding="utf-8"))}
    assert formats_used <= set(checker.checkers), f"formats the schema uses but nothing checks: {formats_used}"
    return validator_class(schema, format_checker=checker)


def _schema_errors(validator: Any, log: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in sorted(validator.iter_errors(log), key=lambda e: list(map(str, e.absolute_path)))]


def test_the_official_schema_is_sarif_2_1_0() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]
    assert schema["additionalProperties"] is False and len(schema["definitions"]) > 40


@pytest.mark.parametrize("name", [f"{e}-catalog" for e in ENGINES] + ["sqlite-sample"])
def test_every_rendered_log_is_valid_against_the_official_schema(logs: dict[str, dict[str, Any]], name: str,
                                                                  schema_validator: Any) -> None:
    assert _schema_errors(schema_validator, logs[name]) == []


def test_the_official_schema_rejects_what_the_renderer_must_not_emit(logs: dict[str, dict[str, Any]],
                                                                      schema_validator: Any) -> None:
    broken = _broken(logs["postgresql-catalog"])
    run = broken["runs"][0]
    run["results"][2]["level"] = "fatal"  # not a SARIF level
    run["invocations"][0]["startTimeUtc"] = "22/11/2026 06:00"
    run["results"][3]["locations"][0]["logicalLocations"][0]["nickname"] = "x"  # additionalProperties: false
    errors = "\n".join(_schema_errors(schema_validator, broken))
    assert "'see the docs' is not a 'uri'" in errors
    assert "'fatal' is not one of" in errors
    assert "'22/11/2026 06:00' is not a 'date-time'" in errors
    assert "'nickname' was unexpected" in errors


def test_every_rule_name_in_the_catalog_is_a_pascal_identifier() -> None:
    """SARIF §3.49.7 asks for one Pascal-case identifier; checked over the whole catalog, not just the rules that
    happen to fire in a sample."""
    for engine in ENGINES:
        rules = json.loads(render(_engine_report(engine), "sarif")[0])["runs"][0]["tool"]["driver"]["rules"]
        bad = {r["id"]: r["name"] for r in rules if not PASCAL_NAME.fullmatch(r["name"])}
        assert not bad, bad


# -- (b) the SARIF Multitool ---------------------------------------------------------------------------------------
def _message(result: dict[str, Any], rules: list[dict[str, Any]]) -> str:
    message = result["message"]
    if "text" in message:
        return message["text"]
    template = rules[result["ruleIndex"]]["messageStrings"][message["id"]]["text"]
    arguments = message.get("arguments", [])
    return re.sub(r"\{(\d+)\}", lambda m: arguments[int(m.group(1))], template)


@pytest.fixture(scope="module")
def multitool_findings(logs: dict[str, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
                       ) -> dict[str, list[tuple[str, str, str, str]]]:
    """One `sarif-multitool validate` over every log plus the broken control, SARIF and GitHub rules, all levels.
    Returns file stem → [(level, rule id, message id, message)]."""
    if not MULTITOOL.exists():
        pytest.fail("node_modules/.bin/sarif-multitool is missing: run `make deps` (npm ci)")
    work = tmp_path_factory.mktemp("sarif-multitool")
    files = {}
    for name, log in {**logs, "control-broken": _broken(logs["postgresql-catalog"])}.items():
        files[name] = work / f"{name}.sarif"
        files[name].write_text(json.dumps(log, indent=2), encoding="utf-8")
    config = work / "validate.config.xml"
    config.write_text(MULTITOOL_CONFIG, encoding="utf-8")
    output = work / "validation.sarif"
    args = ["validate", *map(str, files.values()), "--output", str(output), "--log", "ForceOverwrite",
            "--config", str(config), "--rule-kind", "Sarif;Gh", "--level", "Error;Warning;Note"]
    # bin.js hands its arguments to a shell (spawnSync with shell: true): quote them for it.
    env = {**os.environ, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1", "DOTNET_CLI_TELEMETRY_OPTOUT": "1"}
    done = subprocess.run([str(MULTITOOL), *map(shlex.quote, args)], capture_output=True, text=True, timeout=180,
                          env=env, cwd=work)
    assert done.returncode == 0 and output.exists(), f"the Multitool did not run:\n{done.stdout}\n{done.stderr}"
    run = json.loads(output.read_text(encoding="utf-8-sig"))["runs"][0]
    assert run["invocations"][0]["executionSuccessful"], run["invocations"]
    rules = run["tool"]["driver"].get("rules", [])
    by_file: dict[str, list[tuple[str, str, str, str]]] = {name: [] for name in files}
    for result in run.get("results", []):
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        rule = rules[result["ruleIndex"]] if "ruleIndex" in result else {}
        level = result.get("level") or rule.get("defaultConfiguration", {}).get("level") or "warning"
        by_file[Path(unquote(urlsplit(uri).path)).stem].append(
            (level, result["ruleId"], result["message"].get("id", ""), _message(result, rules)))
    return by_file


def test_the_multitool_reports_the_faults_of_the_broken_control(
        multitool_findings: dict[str, list[tuple[str, str, str, str]]]) -> None:
    errors = {rule for level, rule, _, _ in multitool_findings["control-broken"] if level == "error"}
    assert {"SARIF1009", "SARIF1002", "GH1015"} <= errors, multitool_findings["control-broken"]


@pytest.mark.parametrize("name", [f"{e}-catalog" for e in ENGINES] + ["sqlite-sample"])
def test_the_multitool_finds_no_error_and_nothing_unaccounted_for(
        multitool_findings: dict[str, list[tuple[str, str, str, str]]], name: str) -> None:
    findings = multitool_findings[name]
    # A log the Multitool could not read yields no result at all (see the module docstring); ours always earn the
    # accepted SARIF2003 note, so silence means it was not validated.
    assert findings, f"the Multitool reported nothing about {name}: it probably could not deserialize it"
    errors = [f for f in findings if f[0] == "error"]
    assert not errors, "\n".join(f"{rule}: {text}" for _, rule, _, text in errors)
    unaccounted = [f for f in findings if (f[1], f[2]) not in ACCEPTED]
    assert not unaccounted, "\n".join(f"{level} {rule} ({mid}): {text}" for level, rule, mid, text in unaccounted)
