// One scan: the compliance matrix (repositories × policies: pass / fail / exempt / error / skipped) filling in
// live, violations with their messages and the issue each opened, the act step's progress and action log
// (filter by outcome), and "Retry act" for this scan.
import {api} from "../api.js";
import {append, clear, fmtTime, h, replace, statusBadge, table, toast} from "../dom.js";
import {follow} from "../live.js";

const ACTIVE = new Set(["Pending", "Running"]);
const SYMBOL = {pass: "✓ pass", fail: "✗ fail", exempt: "– exempt", error: "! error", skipped: "· skipped"};

export async function render(main, [scanId]) {
  const header = h("div", {});
  const matrix = h("section", {"aria-labelledby": "matrix-title"});
  const violations = h("section", {"aria-labelledby": "violations-title"});
  const outcome = h("select", {id: "log-outcome"}, h("option", {value: ""}, "any"),
    ["created", "updated", "reopened", "closed", "archived", "logged", "skipped", "dry-run", "failed"].map(o => h("option", {value: o}, o)));
  const log = h("div", {id: "action-log"});
  const retry = h("button", {type: "button", id: "retry-act"}, "Retry act");
  append(main, header, matrix, violations,
    h("section", {"aria-labelledby": "log-title"}, h("h2", {id: "log-title"}, "Action log"),
      h("p", {}, h("label", {class: "inline"}, "Outcome ", outcome), " ", retry), log));

  let scan = null, actions = [];
  retry.addEventListener("click", async () => {
    if (!confirm("Run the act step of this scan again? Issues are never duplicated.")) return;
    try { await api(`v1/scans/${scanId}/actions/retry`, {method: "POST"}); toast("Act step restarted."); poll(); }
    catch (e) { toast(e.message); }
  });
  outcome.addEventListener("change", drawLog);

  function drawLog() {
    const rows = actions.filter(a => !outcome.value || a.outcome === outcome.value);
    replace(log, table("Action log", [
      {title: "At", cell: a => fmtTime(a.at)}, {title: "Repository", cell: a => a.repository}, {title: "Policy", cell: a => a.policyId},
      {title: "Action", cell: a => a.action}, {title: "Outcome", cell: a => h("span", {class: `badge o-${a.outcome}`}, a.outcome)},
      {title: "Issue", cell: a => a.issueUrl ? h("a", {href: a.issueUrl, rel: "noopener noreferrer", target: "_blank"}, `#${a.issueNumber}`) : ""},
      {title: "Attempt", cell: a => String(a.attempt)}, {title: "Message", cell: a => a.message || ""},
    ], rows, {empty: "No action recorded yet."}));
  }

  async function poll() {
    scan = await api(`v1/scans/${scanId}`);
    const [results, viol, acts] = await Promise.all([
      api(`v1/scans/${scanId}/results`, {query: {pageSize: 200}}).catch(() => null),
      api(`v1/scans/${scanId}/violations`, {query: {pageSize: 200}}),
      api(`v1/scans/${scanId}/actions`, {query: {pageSize: 200}}),
    ]);
    actions = acts.items;
    retry.disabled = ACTIVE.has(scan.status) || ACTIVE.has(scan.actions.status) || scan.status !== "Completed";
    replace(header, h("h1", {}, "Scan ", h("code", {}, scanId)),
      h("p", {}, statusBadge(scan.status), ` ${scan.repositoriesScanned} of ${scan.repositoriesTotal ?? "?"} repositories · ${scan.violationsFound} violations · `,
        scan.dryRun ? "dry run · " : "", `started ${fmtTime(scan.startedAt)}`, scan.completedAt ? ` · completed ${fmtTime(scan.completedAt)}` : ""),
      h("p", {}, "Act step: ", statusBadge(scan.actions.status), ` attempt ${scan.actions.attempt || 0} · `,
        Object.entries(scan.actions.counts || {}).map(([k, v]) => `${k} ${v}`).join(", ") || "nothing yet"),
      scan.error ? h("p", {class: "error", role: "alert"}, scan.error) : null,
      scan.warning ? h("p", {class: "warning"}, scan.warning) : null);
    drawMatrix(results);
    const issueOf = new Map(actions.filter(a => a.issueUrl).map(a => [`${a.repository}|${a.policyId}`, a]));
    replace(violations, h("h2", {id: "violations-title"}, `Violations (${viol.total})`), table("Violations", [
      {title: "Repository", cell: v => v.repository}, {title: "Policy", cell: v => v.policyId},
      {title: "Severity", cell: v => h("span", {class: `badge sev-${v.severity}`}, v.severity)},
      {title: "Message", cell: v => v.message}, {title: "Action", cell: v => v.action},
      {title: "Issue", cell: v => { const a = issueOf.get(`${v.repository}|${v.policyId}`); return a ? h("a", {href: a.issueUrl, rel: "noopener noreferrer", target: "_blank"}, `#${a.issueNumber}`) : ""; }},
    ], viol.items, {empty: "No violation."}));
    drawLog();
  }

  function drawMatrix(results) {
    clear(matrix);
    append(matrix, h("h2", {id: "matrix-title"}, "Compliance matrix"));
    if (!results) { append(matrix, h("p", {}, "Per-repository results are not available.")); return; }
    const policies = results.policies;
    append(matrix, h("div", {class: "table-wrap"}, h("table", {class: "grid matrix", id: "matrix"},
      h("caption", {class: "sr-only"}, "Result of each policy for each repository"),
      h("thead", {}, h("tr", {}, h("th", {scope: "col"}, "Repository"), policies.map(p => h("th", {scope: "col"}, p)))),
      h("tbody", {}, results.items.map(r => h("tr", {}, h("th", {scope: "row"}, r.repository),
        policies.map(p => { const c = r.results[p]; return h("td", {class: `cell r-${c ? c.result : "none"}`, title: c && c.message ? c.message : ""}, c ? SYMBOL[c.result] || c.result : ""); })))))));
    if (!results.items.length) append(matrix, h("p", {}, "No repository evaluated yet."));
  }

  try { await poll(); } catch (e) { main.prepend(h("p", {class: "error", role: "alert"}, e.message)); return null; }
  return follow({all: true}, {JobChanged: job => { if (job && String(job.id).startsWith(scanId)) poll().catch(() => {}); }}, () => poll(), 1500);
}
