"""Monitoring of both products' background jobs (the Hangfire dashboard's role): list with counts, durations and
errors, manual retry, and a small HTML dashboard page.

Jobs come from the application database (the durable record of what was asked and how it ended); orchestration
counts come from the durable client's `get_status_by`, so an operator sees both the business view and the engine's.
The dashboard page is anonymous and holds no data: it calls this API with a function key the user types in.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from shared.analyzer import jobs as analysis_jobs
from shared.api.paging import parse_page
from shared.api.problems import bad_request, conflict, not_found
from shared.storage.db import get_database
from triggers._http import api_handler, base_url, json_response
from triggers.http_analysis import links, reconcile, restart_job

bp = df.Blueprint()

PRODUCTS = ("analysis", "policy-scan")
STATUSES = ("Pending", "Running", "Completed", "Failed", "Canceled")
ORCHESTRATION_WINDOW = timedelta(days=7)


def _duration(started: str | None, ended: str | None) -> float | None:
    if not started:
        return None
    end = datetime.fromisoformat(ended) if ended else datetime.now(timezone.utc)
    return round((end - datetime.fromisoformat(started)).total_seconds(), 3)


def _analysis_item(row: dict[str, Any], base: str) -> dict[str, Any]:
    return {"id": row["job_id"], "product": "analysis", "status": row["status"], "createdAt": row["created_at"],
            "startedAt": row["started_at"], "completedAt": row["completed_at"],
            "durationSeconds": _duration(row["started_at"], row["completed_at"]), "error": row["error"],
            "detail": f"{row['analysis_type']} on {row['engine']} {row['target']} "
                      f"({row['checks_completed']}/{row['checks_total']} checks)",
            "attempt": int(row["attempt"]), "statusUrl": links(base, row["job_id"])["statusUrl"],
            "retryable": row["status"] in ("Failed", "Canceled")}


def _scan_item(row: dict[str, Any], base: str) -> dict[str, Any]:
    error = row["error"] or (f"actions: {row['act_error']}" if row.get("act_error") else None)
    return {"id": row["scan_id"], "product": "policy-scan", "status": row["status"], "createdAt": row["created_at"],
            "startedAt": row["started_at"], "completedAt": row["completed_at"],
            "durationSeconds": _duration(row["started_at"], row["completed_at"]), "error": error,
            "detail": f"{row['trigger_kind']} scan of {row['org']}: {row['repositories_scanned']} repositories, "
                      f"{row['violations_found']} violations, actions {row['act_status'] or 'not started'}",
            "attempt": int(row["act_attempt"] or 1), "statusUrl": f"{base}/api/v1/scans/{row['scan_id']}",
            "retryable": row["status"] == "Failed"}


def _rows(table: str, status: str | None, limit: int) -> tuple[list[dict[str, Any]], int, dict[str, int]]:
    db = get_database()
    where, params = ("WHERE status = ?", (status,)) if status else ("", ())
    total = int(db.query_one(f"SELECT COUNT(*) AS n FROM {table} {where}", params)["n"])
    rows = db.query(db.limit(f"SELECT * FROM {table} {where} ORDER BY created_at DESC", limit), params)
    counts = {r["status"]: int(r["n"]) for r in db.query(f"SELECT status, COUNT(*) AS n FROM {table} GROUP BY status")}
    return rows, total, counts


@bp.route(route="v1/jobs", methods=["GET"])
@bp.durable_client_input(client_name="client")
@api_handler
async def jobs_list(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    product = req.params.get("product") or None
    if product is not None and product not in PRODUCTS:
        raise bad_request("product", f"must be one of {', '.join(PRODUCTS)}")
    status = req.params.get("status") or None
    if status is not None and status not in STATUSES:
        raise bad_request("status", f"must be one of {', '.join(STATUSES)}")
    page = parse_page(req.params)
    base = base_url(req)
    wanted = page.offset + page.page_size
    items: list[dict[str, Any]] = []
    counts: dict[str, dict[str, int]] = {}
    total = 0
    db = get_database()
    if product in (None, "analysis"):
        for row in analysis_jobs.active_jobs(db):
            await reconcile(client, db, row)  # a job lost to a host restart shows Failed here too
        rows, n, counts["analysis"] = _rows("analysis_jobs", status, wanted)
        items += [_analysis_item(r, base) for r in rows]
        total += n
    if product in (None, "policy-scan"):
        rows, n, counts["policy-scan"] = _rows("policy_scans", status, wanted)
        items += [_scan_item(r, base) for r in rows]
        total += n
    items.sort(key=lambda item: item["createdAt"], reverse=True)
    body = page.envelope(items[page.offset:wanted], total)
    body["counts"] = counts
    body["orchestrations"] = await _orchestration_counts(client)
    return json_response(body)


async def _orchestration_counts(client: df.DurableOrchestrationClient) -> dict[str, int]:
    """Runtime statuses of the last week's orchestrations, as the durable engine sees them."""
    since = datetime.now(timezone.utc) - ORCHESTRATION_WINDOW
    counts: dict[str, int] = {}
    for state in await client.get_status_by(created_time_from=since):
        name = state.runtime_status.value if state.runtime_status is not None else "Unknown"
        counts[name] = counts.get(name, 0) + 1
    return counts


@bp.route(route="v1/jobs/{id}/retry", methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_handler
async def jobs_retry(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    job_id = req.route_params.get("id", "")
    base = base_url(req)
    if analysis_jobs.is_job_id(job_id):
        if analysis_jobs.get_job(get_database(), job_id) is None:
            raise not_found(f"job {job_id}")
        await restart_job(client, job_id)
        body = {"id": job_id, "product": "analysis", "statusUrl": links(base, job_id)["statusUrl"]}
        return json_response(body, 202, {"Location": body["statusUrl"]})
    if job_id.startswith("scan-"):
        from shared.policies import store as policy_store  # only when a scan is concerned
        from triggers.http_scans import start_scan

        scan = policy_store.get_scan(get_database(), job_id)
        if scan is None:
            raise not_found(f"job {job_id}")
        if scan["status"] != "Failed":
            raise conflict(f"scan {job_id} is {scan['status']}: only a failed scan is retried here (retry a "
                           f"completed scan's actions with POST /api/v1/scans/{job_id}/actions/retry)",
                           jobStatus=scan["status"])
        request = json.loads(scan["request_json"] or "{}")
        new_id = await start_scan(client, "manual", bool(scan["dry_run"]), request.get("repositories") or [],
                                  request.get("policies") or [])
        body = {"id": new_id, "product": "policy-scan", "statusUrl": f"{base}/api/v1/scans/{new_id}",
                "retryOf": job_id}
        return json_response(body, 202, {"Location": body["statusUrl"]})
    raise not_found(f"job {job_id[:100]}")


@bp.route(route="dashboard", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def dashboard(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(DASHBOARD_HTML, mimetype="text/html", charset="utf-8",
                             headers={"Content-Security-Policy": "default-src 'self'; script-src 'unsafe-inline'; "
                                      "style-src 'unsafe-inline'; connect-src 'self'",
                                      "Cache-Control": "no-store"})


DASHBOARD_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Background jobs</title>
<style>body{font-family:system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse;width:100%}
td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top;font-size:.9em}
.Failed{color:#b00}.Running,.Pending{color:#06c}.Completed{color:#080}.Canceled{color:#777}
#counts span{margin-right:1.5em}</style></head><body>
<h1>Background jobs</h1>
<p><label>Function key <input id="key" type="password" size="40"></label>
<select id="product"><option value="">all products</option><option>analysis</option><option>policy-scan</option>
</select><select id="status"><option value="">any status</option><option>Pending</option><option>Running</option>
<option>Completed</option><option>Failed</option><option>Canceled</option></select>
<button id="load">Load</button> <small>refreshes every 5 s</small></p>
<p id="counts"></p><p id="message"></p>
<table><thead><tr><th>job</th><th>product</th><th>status</th><th>created</th><th>duration (s)</th><th>detail</th>
<th>error</th><th></th></tr></thead><tbody id="rows"></tbody></table>
<script>
const $ = id => document.getElementById(id);
$("key").value = sessionStorage.getItem("fkey") || "";
function cell(text, cls) { const td = document.createElement("td"); td.textContent = text ?? ""; if (cls) td.className = cls; return td; }
async function api(path, method) {
  const r = await fetch(path, {method: method || "GET", headers: {"x-functions-key": $("key").value}});
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.detail || r.status);
  return body;
}
async function load() {
  sessionStorage.setItem("fkey", $("key").value);
  const q = new URLSearchParams({pageSize: "100"});
  if ($("product").value) q.set("product", $("product").value);
  if ($("status").value) q.set("status", $("status").value);
  try {
    const data = await api("/api/v1/jobs?" + q);
    $("counts").textContent = "";
    for (const [product, counts] of Object.entries(data.counts)) {
      const span = document.createElement("span");
      span.textContent = product + ": " + Object.entries(counts).map(([s, n]) => s + " " + n).join(", ");
      $("counts").appendChild(span);
    }
    const span = document.createElement("span");
    span.textContent = "orchestrations (7 days): " + Object.entries(data.orchestrations).map(([s, n]) => s + " " + n).join(", ");
    $("counts").appendChild(span);
    const rows = $("rows"); rows.textContent = "";
    for (const job of data.items) {
      const tr = document.createElement("tr");
      const link = document.createElement("td"); const a = document.createElement("a");
      a.textContent = job.id; a.href = "#"; a.onclick = async e => { e.preventDefault();
        $("message").textContent = JSON.stringify(await api(job.statusUrl.replace(/^https?:\\/\\/[^/]+/, "")), null, 1); };
      link.appendChild(a); tr.appendChild(link);
      [job.product, job.status, job.createdAt, job.durationSeconds, job.detail, job.error].forEach((v, i) =>
        tr.appendChild(cell(v, i === 1 ? job.status : "")));
      const act = document.createElement("td");
      if (job.retryable) { const b = document.createElement("button"); b.textContent = "retry";
        b.onclick = async () => { try { await api("/api/v1/jobs/" + encodeURIComponent(job.id) + "/retry", "POST");
          load(); } catch (e) { $("message").textContent = "retry refused: " + e.message; } };
        act.appendChild(b); }
      tr.appendChild(act); rows.appendChild(tr);
    }
  } catch (e) { $("message").textContent = "cannot load jobs: " + e.message; }
}
$("load").onclick = load;
setInterval(() => { if ($("key").value) load(); }, 5000);
if ($("key").value) load();
</script></body></html>
"""
