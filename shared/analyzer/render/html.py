"""The report as one self-contained HTML page (no scripts, every value escaped: findings quote database names)."""
from __future__ import annotations

from html import escape
from typing import Any

from shared.analyzer.model import SEVERITIES
from shared.analyzer.report import rules_for

_COLORS = {"critical": "#8b0000", "high": "#c0392b", "medium": "#d68910", "low": "#2874a6", "info": "#566573"}


def _e(value: Any) -> str:
    return escape(str(value if value is not None else ""), quote=True)


def render(report: dict[str, Any]) -> str:
    docs = {r["id"]: r["docs"] for r in rules_for(report)}
    rows = []
    for f in report["findings"]:
        link = docs.get(f["checkId"])
        check = f'<a href="{_e(link)}">{_e(f["checkId"])}</a>' if link else _e(f["checkId"])
        rows.append(f'<tr><td><span class="sev" style="background:{_COLORS[f["severity"]]}">{_e(f["severity"])}'
                    f'</span></td><td>{_e(f["object"])}</td><td>{_e(f["message"])}</td>'
                    f'<td>{_e(f["recommendation"])}</td><td>{check}</td></tr>')
    skipped = "".join(f"<tr><td>{_e(s['checkId'])}</td><td>{_e(s['reason'])}</td></tr>" for s in report["skipped"])
    summary = "".join(f'<li><span class="sev" style="background:{_COLORS[s]}">{s}</span> {report["summary"][s]}</li>'
                      for s in SEVERITIES)
    findings_table = ("<table><tr><th>severity</th><th>object</th><th>what is wrong and why</th><th>what to do</th>"
                      f"<th>check</th></tr>{''.join(rows)}</table>") if rows else "<p>No findings.</p>"
    skipped_part = (f"<h2>Skipped checks</h2><table><tr><th>check</th><th>reason</th></tr>{skipped}</table>"
                    if skipped else "")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SQL analysis — {_e(report.get('database'))}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}}table{{border-collapse:collapse;width:100%}}
td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}}
.sev{{color:#fff;border-radius:3px;padding:1px 6px;font-size:.85em}}
ul.summary{{list-style:none;display:flex;gap:1em;padding:0}}
</style></head><body>
<h1>SQL analysis report</h1>
<p><b>{_e(report.get('flavor') or report['engine'])} {_e(report.get('serverVersion'))}</b> — {_e(report.get('target'))}
— {_e(report['analysisType'])} — completed {_e(report.get('completedAt'))}</p>
<p>Score: <b>{_e(report['score'])}</b> / 100{' <b class="partial">(partial)</b>' if report.get('partial') else ''}.
Job <code>{_e(report['jobId'])}</code>.
{f"Usage statistics since {_e(report['statisticsSince'])}." if report.get('statisticsSince') else ''}</p>
{f'<p class="partial" role="alert"><b>Partial result:</b> {_e(report.get("partialReason"))}</p>'
   if report.get('partial') else ''}
<ul class="summary">{summary}</ul>
<h2>Findings</h2>{findings_table}{skipped_part}
</body></html>
"""
