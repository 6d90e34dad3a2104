// History per target (same engine + server + database): the score over time as a chart, and for the latest job
// what is new and what was resolved since the previous analysis of the same target (when the diff API exists).
import {api} from "../api.js";
import {append, fmtTime, h, replace, statusBadge, table} from "../dom.js";
import {lineChart} from "../charts.js";

export async function render(main) {
  append(main, h("h1", {}, "Analysis history"));
  const targets = await api("v1/analysis/history").catch(e => ({error: e, items: []}));
  if (targets.error) { append(main, h("p", {class: "error", role: "alert"}, targets.error.message)); return; }
  if (!targets.items.length) { append(main, h("p", {}, "No completed analysis yet. ", h("a", {href: "#/analysis/new"}, "Start one"))); return; }
  for (const target of targets.items) {
    const runs = [...target.runs].reverse(); // oldest first for the chart
    const section = h("section", {class: "card history", "aria-label": `History of ${target.engine} ${target.target}`},
      h("h2", {}, `${target.engine} · ${target.target}`),
      lineChart(`Score over time, ${target.target}`, runs.map(r => (r.completedAt || "").slice(5, 16).replace("T", " ")),
        [{name: "score", cls: "s-score", values: runs.map(r => r.score ?? 0)}], {max: 100}),
      table(`Analyses of ${target.target}`, [
        {title: "Job", cell: r => h("a", {href: `#/analysis/jobs/${r.jobId}/report`}, r.jobId)},
        {title: "Completed", cell: r => fmtTime(r.completedAt)},
        {title: "Type", cell: r => r.analysisType},
        {title: "Score", cell: r => String(r.score ?? "")},
        {title: "Findings", cell: r => String(r.findings ?? "")},
        {title: "Status", cell: r => statusBadge(r.partial ? "Partial" : "Completed")},
      ], target.runs));
    append(main, section);
    const latest = target.runs[0];
    if (target.runs.length > 1) {
      api(`v1/analysis/${latest.jobId}/diff`).then(diff => append(section, h("div", {class: "diff", id: `diff-${latest.jobId}`},
        h("h3", {}, `Since the previous analysis: score ${diff.score.before ?? "?"} → ${diff.score.after}`),
        h("p", {}, `${diff.counts.new} new, ${diff.counts.resolved} resolved, ${diff.counts.unchanged} unchanged`),
        list("New", diff.new), list("Resolved", diff.resolved)))).catch(() => { /* no diff: nothing to add */ });
    }
  }
}

function list(title, items) {
  if (!items || !items.length) return null;
  return h("details", {}, h("summary", {}, `${title} (${items.length})`),
    h("ul", {}, items.slice(0, 200).map(f => h("li", {}, h("span", {class: `badge sev-${f.severity}`}, f.severity), " ", f.checkId, " — ", f.object))));
}
