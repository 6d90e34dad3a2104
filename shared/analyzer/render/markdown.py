"""The report as Markdown: something to paste into a ticket or a pull request."""
from __future__ import annotations

from typing import Any

from shared.analyzer.model import SEVERITIES


def _cell(value: Any) -> str:
    return str(value if value is not None else "").replace("|", "\\|").replace("\n", " ")


def render(report: dict[str, Any]) -> str:
    lines = [f"# SQL analysis report — {report.get('database') or report.get('target')}", ""]
    lines += [f"- **Job**: `{report['jobId']}`",
              f"- **Engine**: {report.get('flavor') or report['engine']} {report.get('serverVersion') or ''}".rstrip(),
              f"- **Target**: {report.get('target')}",
              f"- **Analysis type**: {report['analysisType']}",
              f"- **Started / completed**: {report.get('startedAt')} / {report.get('completedAt')}",
              f"- **Score**: {report['score']} / 100" + (" (PARTIAL)" if report.get("partial") else "")]
    if report.get("partial"):
        lines.append(f"- **Partial result**: {_cell(report.get('partialReason'))}")
    if report.get("statisticsSince"):
        lines.append(f"- **Usage statistics since**: {report['statisticsSince']}")
    lines += ["", "## Summary", "", "| " + " | ".join(SEVERITIES) + " |",
              "|" + "---|" * len(SEVERITIES), "| " + " | ".join(str(report["summary"][s]) for s in SEVERITIES) + " |",
              ""]
    lines += ["## Findings", ""]
    if not report["findings"]:
        lines += ["No findings.", ""]
    for finding in report["findings"]:
        lines += [f"### [{finding['severity'].upper()}] {_cell(finding['object'])} — `{finding['checkId']}`", "",
                  _cell(finding["message"]), "", f"**What to do:** {_cell(finding['recommendation'])}", ""]
    if report["skipped"]:
        lines += ["## Skipped checks", "", "| check | reason |", "|---|---|"]
        lines += [f"| `{s['checkId']}` | {_cell(s['reason'])} |" for s in report["skipped"]]
        lines.append("")
    return "\n".join(lines)
