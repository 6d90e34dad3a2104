"""The report as SARIF 2.1.0, so code-scanning tools can ingest it.

Databases have no source files: each result points at its object with a `logicalLocation` (fully qualified name
and kind), rules come from the catalog with `helpUri` = the vendor docs link, and severities map to SARIF levels
(critical/high → error, medium → warning, low/info → note) with the numeric `security-severity` GitHub sorts by.
"""
from __future__ import annotations

import hashlib
import re
from typing import Any

from shared.analyzer import catalog

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "7.5", "medium": "5.0", "low": "2.0", "info": "0.0"}

_KINDS = (("index_name", "index"), ("constraint_name", "constraint"), ("column_name", "column"),
          ("table_name", "table"), ("user_name", "user"), ("setting_name", "setting"), ("object_name", "object"),
          ("schema_name", "namespace"))


def _kind(details: dict[str, Any]) -> str:
    if details.get("object_type"):
        return str(details["object_type"]).lower()
    for column, kind in _KINDS:
        if details.get(column) not in (None, ""):
            return kind
    return "database"


_ARTICLES = frozenset({"a", "an", "the"})


def _rule_name(title: str) -> str:
    """The rule's friendly name as the single Pascal-case identifier SARIF asks for (§3.49.7; the Multitool checks
    it with ``^([A-Z][a-z0-9]+)*$``): every segment is one capital followed by lower-case letters or digits, so
    acronyms are folded ("CHECK" → "Check", "MD5" → "Md5"), articles and apostrophes are dropped, a lone letter
    joins a neighbour ("B-tree" → "Btree", "char(n)" → "Charn") and a number joins the word before it ("In2038")."""
    segments: list[str] = []
    for word in re.findall(r"[A-Za-z0-9]+", title.replace("'", "")):
        word = word.lower()
        if word in _ARTICLES:
            continue
        if segments and (word[0].isdigit() or len(segments[-1]) == 1):
            segments[-1] += word
        else:
            segments.append(word)
    if len(segments) > 1 and len(segments[-1]) == 1:
        lone = segments.pop()
        segments[-1] += lone
    return "".join(segment[:1].upper() + segment[1:] for segment in segments)


def render(report: dict[str, Any]) -> dict[str, Any]:
    checks = [c for c in catalog.all_checks() if c.engine == report["engine"]]
    known = {c.id for c in checks}
    index = {c.id: n for n, c in enumerate(checks)}
    rules = [{
        "id": c.id,
        "name": _rule_name(c.title) or c.id,
        "shortDescription": {"text": c.title},
        "fullDescription": {"text": c.description},
        "help": {"text": c.recommendation, "markdown": f"{c.recommendation}\n\n[Documentation]({c.docs})"},
        "helpUri": c.docs,
        "defaultConfiguration": {"level": LEVELS[c.severity]},
        "properties": {"category": c.category, "severity": c.severity, "tags": [c.category, c.engine],
                       "security-severity": SECURITY_SEVERITY[c.severity]},
    } for c in checks]
    results = []
    for finding in report["findings"]:
        result: dict[str, Any] = {
            "ruleId": finding["checkId"],
            "level": LEVELS[finding["severity"]],
            "message": {"text": f"{finding['message']} {finding['recommendation']}".strip()},
            "locations": [{"logicalLocations": [{"fullyQualifiedName": finding["object"],
                                                 "kind": _kind(finding.get("details") or {})}]}],
            "partialFingerprints": {"objectHash/v1": hashlib.sha256(
                f"{finding['checkId']}|{report.get('database')}|{finding['object']}".encode()).hexdigest()[:32]},
            "properties": {"severity": finding["severity"], "priority": finding.get("priority"),
                           "details": finding.get("details") or {}},
        }
        if finding["checkId"] in known:
            result["ruleIndex"] = index[finding["checkId"]]
        results.append(result)
    notifications = [{"descriptor": {"id": s["checkId"]}, "level": "note", "message": {"text": s["reason"]}}
                     for s in report["skipped"]]
    if report.get("partial"):
        # A partial run is still a successful execution (the results present are right) but says what is missing.
        notifications.insert(0, {"descriptor": {"id": "partial-result"}, "level": "warning",
                                 "message": {"text": str(report.get("partialReason"))}})
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "sql-analyzer", "semanticVersion": "1.0.0", "rules": rules}},
            "automationDetails": {"id": f"sql-analyzer/{report['engine']}/{report['jobId']}"},
            "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications,
                             **({"startTimeUtc": report["startedAt"]} if report.get("startedAt") else {}),
                             **({"endTimeUtc": report["completedAt"]} if report.get("completedAt") else {})}],
            "properties": {"database": report.get("database"), "serverVersion": report.get("serverVersion"),
                           "score": report["score"], "summary": report["summary"],
                           "partial": bool(report.get("partial")), "partialReason": report.get("partialReason")},
            "results": results,
        }],
    }
