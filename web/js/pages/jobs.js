// Jobs dashboard (Hangfire parity, both products): counts by state, a realtime graph (succeeded and failed per
// interval over the last minutes, from the differences between successive stats reads, as Hangfire draws it), a
// history graph (per day, last 7 days), lists per state with paging and search, bulk retry and purge of failed jobs.
import {api} from "../api.js";
import {append, fmtDuration, fmtTime, h, pager, replace, statusBadge, toast} from "../dom.js";
import {barChart, lineChart} from "../charts.js";
import {follow} from "../live.js";

const STATES = ["Pending", "Running", "Completed", "Failed", "Canceled", "Terminated", "Suspended"];
const POINTS = 30;

export async function render(main, [state]) {
  const selectedState = STATES.includes(state) ? state : "";
  const tabs = h("nav", {class: "tabs", "aria-label": "Jobs by state"});
  const realtime = h("div", {id: "realtime-graph"});
  const history = h("div", {id: "history-graph"});
  const search = h("input", {type: "search", id: "job-search", autocomplete: "off", placeholder: "id or name"});
  const type = h("select", {id: "job-type"}, h("option", {value: ""}, "all"), ["analysis", "scan", "act"].map(t => h("option", {value: t}, t)));
  const listEl = h("div", {id: "job-list"});
  const bulk = h("p", {class: "actions", id: "bulk-actions", hidden: selectedState !== "Failed"},
    h("button", {type: "button", id: "bulk-retry", onclick: () => bulkAction("retry")}, "Retry selected"), " ",
    h("button", {type: "button", id: "bulk-purge", class: "danger", onclick: () => bulkAction("purge")}, "Delete selected"));
  append(main, h("h1", {}, selectedState ? `${selectedState} jobs` : "Jobs"), tabs,
    h("div", {class: "graphs"}, realtime, history),
    h("form", {class: "filters", role: "search", onsubmit: e => { e.preventDefault(); page = 1; loadList(); }},
      h("label", {class: "inline"}, "Search ", search), h("label", {class: "inline"}, "Type ", type), h("button", {type: "submit"}, "Search")),
    bulk, listEl);

  const samples = []; // [{at, succeeded, failed}] cumulative totals read from /v1/jobs/stats
  let page = 1;
  const selected = new Set();

  async function loadStats() {
    const stats = await api("v1/jobs/stats");
    const by = stats.byStatus || {};
    replace(tabs, h("a", {href: "#/jobs", "aria-current": selectedState ? null : "page"}, `All ${stats.total}`),
      STATES.map(s => h("a", {href: `#/jobs/state/${s}`, "aria-current": s === selectedState ? "page" : null, class: `tab st-${s.toLowerCase()}`}, `${s} ${by[s] || 0}`)));
    const totals = {succeeded: by.Completed || 0, failed: (by.Failed || 0) + (by.Terminated || 0)};
    samples.push({at: new Date(), ...totals});
    while (samples.length > POINTS + 1) samples.shift();
    const deltas = samples.slice(1).map((s, i) => ({at: s.at, succeeded: Math.max(0, s.succeeded - samples[i].succeeded), failed: Math.max(0, s.failed - samples[i].failed)}));
    const padded = Array.from({length: POINTS - deltas.length}, () => null).concat(deltas);
    replace(realtime, lineChart("Realtime: jobs ended per interval", padded.map(d => d ? d.at.toISOString().slice(14, 19) : ""),
      [{name: "succeeded", cls: "s-ok", values: padded.map(d => d ? d.succeeded : 0)}, {name: "failed", cls: "s-fail", values: padded.map(d => d ? d.failed : 0)}]));
    realtime.dataset.samples = String(samples.length);
    const days = (await api("v1/jobs/history")).days;
    replace(history, days.length ? barChart("History: last 7 days", days.map(d => d.date.slice(5)),
      [{name: "succeeded", cls: "s-ok", values: days.map(d => d.succeeded)}, {name: "failed", cls: "s-fail", values: days.map(d => d.failed)}])
      : h("p", {}, `Last 7 days: ${stats.last7d.succeeded} succeeded, ${stats.last7d.failed} failed.`));
  }

  async function loadList() {
    const data = await api("v1/jobs", {query: {status: selectedState || undefined, type: type.value || undefined, search: search.value.trim() || undefined, page, pageSize: 20}});
    selected.clear();
    const rows = data.items.map(j => h("tr", {"data-job": j.id},
      selectedState === "Failed" ? h("td", {}, h("input", {type: "checkbox", "aria-label": `Select ${j.id}`, class: "select-job", value: j.id,
        onchange: e => e.target.checked ? selected.add(j.id) : selected.delete(j.id)})) : null,
      h("td", {"data-label": "Job"}, h("a", {href: `#/jobs/${encodeURIComponent(j.id)}`}, j.id)),
      h("td", {"data-label": "Type"}, j.type), h("td", {"data-label": "Name"}, j.name),
      h("td", {"data-label": "Status"}, statusBadge(j.status)),
      h("td", {"data-label": "Priority", class: `priority p-${j.priority || "normal"}`}, j.priority || "normal"),
      h("td", {"data-label": "Schedule", class: "schedule"}, j.scheduleId ? h("a", {href: "#/recurring"}, j.scheduleId) : ""),
      h("td", {"data-label": "Progress"}, j.progress ? `${j.progress.percentage ?? ""}${j.progress.percentage != null ? " %" : ""} ${j.progress.step || ""}` : ""),
      h("td", {"data-label": "Created"}, fmtTime(j.createdAt)),
      h("td", {"data-label": "Waited", class: "waited"}, fmtDuration(j.waitingSeconds)),
      h("td", {"data-label": "Run time", class: "ran"}, fmtDuration(j.runningSeconds ?? j.durationSeconds)),
      h("td", {"data-label": "Error", class: "error-text"}, j.error || "")));
    replace(listEl, h("div", {class: "table-wrap"}, h("table", {class: "grid", id: "jobs-table"},
      h("caption", {class: "sr-only"}, "Jobs"),
      h("thead", {}, h("tr", {}, selectedState === "Failed" ? h("th", {scope: "col"}, h("span", {class: "sr-only"}, "Select")) : null,
        ["Job", "Type", "Name", "Status", "Priority", "Schedule", "Progress", "Created", "Waited", "Run time", "Error"].map(t => h("th", {scope: "col"}, t)))),
      h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", {colspan: 12, class: "empty"}, "No job in this state."))))),
      pager(page, 20, data.total, p => { page = p; loadList(); }));
  }

  async function bulkAction(kind) {
    if (!selected.size) { toast("Select jobs first."); return; }
    const verb = kind === "retry" ? "Retry" : "Delete (purge)";
    if (!confirm(`${verb} ${selected.size} job(s)?`)) return;
    let ok = 0; const errors = [];
    for (const id of selected) {
      try { await api(kind === "retry" ? `v1/jobs/${encodeURIComponent(id)}/retry` : `v1/jobs/${encodeURIComponent(id)}`, {method: kind === "retry" ? "POST" : "DELETE"}); ok++; }
      catch (e) { errors.push(`${id}: ${e.message}`); }
    }
    toast(`${verb}: ${ok} done${errors.length ? `, ${errors.length} refused (${errors[0]})` : ""}.`);
    loadList();
  }

  const poll = async () => { await Promise.all([loadStats(), loadList()]); };
  await poll().catch(e => append(main, h("p", {class: "error", role: "alert"}, e.message)));
  // The realtime graph samples the stats every 2 s whatever the transport; the list follows pushed changes (or polls).
  const timer = setInterval(() => loadStats().catch(() => {}), 2000);
  const stop = follow({all: true}, {JobChanged: () => loadList().catch(() => {})}, loadList, 5000);
  return () => { clearInterval(timer); stop(); };
}
