// Policy Enforcer home: "Scan now" (dry-run, repository and policy filters), disabled with a link to the running
// scan while one runs (the API's 409), live progress of that scan, the last scans and the violations trend.
import {api} from "../api.js";
import {append, fmtTime, h, pager, replace, statusBadge, table} from "../dom.js";
import {clearErrors, field, list, showErrors} from "../forms.js";
import {follow} from "../live.js";
import {barChart} from "../charts.js";

const ACTIVE = new Set(["Pending", "Running"]);

export async function render(main) {
  const dryRun = h("input", {type: "checkbox", name: "dryRun", id: "scan-dry-run"});
  const repos = h("input", {type: "text", name: "repositories", id: "scan-repositories", autocomplete: "off"});
  const policies = h("input", {type: "text", name: "policies", id: "scan-policies", autocomplete: "off"});
  const button = h("button", {type: "submit", id: "scan-now"}, "Scan now");
  const running = h("p", {id: "scan-running", "aria-live": "polite"});
  const form = h("form", {class: "card", novalidate: true, "aria-labelledby": "scan-title"},
    h("h1", {id: "scan-title"}, "GitHub Policy Enforcer"),
    h("div", {class: "field", dataset: {field: "dryRun"}}, h("label", {for: "scan-dry-run", class: "check"}, dryRun, " Dry run: record what would happen, change nothing on GitHub"), h("p", {class: "field-error", role: "alert"})),
    field("Only these repositories", repos, "Names separated by commas; empty = every repository."),
    field("Only these policies", policies, "Policy ids; empty = every policy."),
    h("p", {class: "form-error", role: "alert"}), button, running,
    h("p", {}, h("a", {href: "#/policy/policies"}, "Policies and exemptions")));
  const scansSection = h("section", {"aria-labelledby": "scans-title"});
  const trend = h("section", {"aria-labelledby": "trend-title"});
  append(main, form, scansSection, trend);

  let page = 1, runningId = null;
  form.addEventListener("submit", async event => {
    event.preventDefault();
    clearErrors(form);
    const body = {dryRun: dryRun.checked};
    if (list(repos.value).length) body.repositories = list(repos.value);
    if (list(policies.value).length) body.policies = list(policies.value);
    button.disabled = true;
    try { const started = await api("v1/scans", {method: "POST", body}); location.hash = `#/policy/scans/${started.scanId}`; }
    catch (e) {
      if (e.status === 409 && e.problem.runningScanId) { setRunning(e.problem.runningScanId); return; }
      showErrors(form, e); button.disabled = false;
    }
  });

  function setRunning(scanId, scan) {
    runningId = scanId;
    button.disabled = !!scanId;
    replace(running, scanId ? h("span", {}, "A scan is running: ", h("a", {href: `#/policy/scans/${scanId}`, id: "running-scan-link"}, scanId),
      scan ? ` — ${scan.repositoriesScanned} of ${scan.repositoriesTotal ?? "?"} repositories` : "") : "");
  }

  async function poll() {
    const data = await api("v1/scans", {query: {page, pageSize: 10}});
    const active = data.items.find(s => ACTIVE.has(s.status));
    setRunning(active ? active.scanId : null, active);
    replace(scansSection, h("h2", {id: "scans-title"}, "Last scans"), table("Last scans", [
      {title: "Scan", cell: s => h("a", {href: `#/policy/scans/${s.scanId}`}, s.scanId)},
      {title: "Trigger", cell: s => s.trigger + (s.dryRun ? " (dry run)" : "")},
      {title: "Status", cell: s => statusBadge(s.status)},
      {title: "Repositories", cell: s => `${s.repositoriesScanned}${s.repositoriesTotal != null ? " of " + s.repositoriesTotal : ""}`},
      {title: "Violations", cell: s => String(s.violationsFound)},
      {title: "Act step", cell: s => statusBadge(s.actions.status)},
      {title: "Started", cell: s => fmtTime(s.startedAt)},
    ], data.items, {empty: "No scan yet: press Scan now."}), pager(page, 10, data.total, p => { page = p; poll(); }));
  }
  await poll().catch(e => append(scansSection, h("p", {class: "error"}, e.message)));
  api("v1/scans/trend").then(t => {
    const policiesIds = t.policies || [];
    replace(trend, h("h2", {id: "trend-title"}, "Violations per policy, last scans"),
      t.scans.length ? barChart("Violations per policy over the last scans", t.scans.map(s => s.startedAt.slice(5, 16).replace("T", " ")),
        policiesIds.map((p, i) => ({name: p, cls: `s${i % 8}`, values: t.scans.map(s => s.violations[p] || 0)}))) : h("p", {}, "No completed scan yet."));
  }).catch(() => {});
  return follow({all: true}, {JobChanged: job => { if (job && job.type !== "analysis") poll().catch(() => {}); }}, poll, 2000);
}
