// A completed analysis: score and counts by severity, the findings with filters (severity, category, check,
// object text) and sorting, each expandable to its details and recommendation; skipped checks with their reasons;
// downloads in every format the API serves.
import {api, download} from "../api.js";
import {append, clear, fmtTime, h, toast} from "../dom.js";

const SEVERITIES = ["critical", "high", "medium", "low", "info"];
const FORMATS = [["json", "json"], ["markdown", "md"], ["html", "html"], ["sarif", "sarif"]];

export async function render(main, [jobId]) {
  let report;
  try { report = await api(`v1/analysis/${jobId}/report`); }
  catch (e) { append(main, h("h1", {}, "Report"), h("p", {class: "error", role: "alert"}, e.message), h("a", {href: `#/analysis/jobs/${jobId}`}, "Back to the job")); return; }

  const sevFilter = h("select", {id: "filter-severity", name: "severity"}, h("option", {value: ""}, "any"), SEVERITIES.map(s => h("option", {value: s}, s)));
  const categories = [...new Set(report.findings.map(f => f.category))].sort();
  const catFilter = h("select", {id: "filter-category"}, h("option", {value: ""}, "any"), categories.map(c => h("option", {value: c}, c)));
  const checkIds = [...new Set(report.findings.map(f => f.checkId))].sort();
  const checkFilter = h("select", {id: "filter-check"}, h("option", {value: ""}, "any"), checkIds.map(c => h("option", {value: c}, c)));
  const search = h("input", {id: "filter-object", type: "search", autocomplete: "off"});
  const sortBy = h("select", {id: "sort-by"}, [["priority", "priority"], ["severity", "severity"], ["object", "object"], ["checkId", "check"]].map(([v, t]) => h("option", {value: v}, t)));
  const count = h("p", {id: "findings-count", "aria-live": "polite"});
  const body = h("div", {id: "findings"});

  const summary = h("ul", {class: "severity-summary", id: "severity-summary"},
    SEVERITIES.map(s => h("li", {class: `sev sev-${s}`}, h("span", {class: "n"}, String(report.summary[s] || 0)), ` ${s}`)));
  append(main, 
    h("h1", {}, "Report ", h("code", {}, jobId)),
    h("p", {}, `${report.engine}${report.flavor ? " (" + report.flavor + ")" : ""} ${report.serverVersion || ""} · ${report.target || report.database || ""} · ${report.analysisType} · completed ${fmtTime(report.completedAt)}`),
    report.partial ? h("p", {class: "warning", role: "note"}, `Partial result: ${report.partialReason || "some checks could not run"}`) : null,
    h("div", {class: "score-row"}, h("div", {class: "score", id: "report-score", "aria-label": `Score ${report.score} of 100`}, String(report.score), h("small", {}, "/100")), summary),
    h("p", {class: "actions"}, "Download: ", FORMATS.map(([format, ext]) => h("button", {type: "button", class: "secondary", onclick: () =>
      download(`v1/analysis/${jobId}/report?format=${format}`, `${jobId}.${ext}`).catch(e => toast(e.message))}, format.toUpperCase())),
      " ", h("a", {href: `#/analysis/jobs/${jobId}`}, "Job")),
    h("form", {class: "filters", role: "search", onsubmit: e => e.preventDefault()},
      label("Severity", sevFilter), label("Category", catFilter), label("Check", checkFilter), label("Object contains", search), label("Sort by", sortBy)),
    count, body);

  if (report.skipped.length) append(main, h("section", {}, h("h2", {}, `Skipped checks (${report.skipped.length})`),
    h("ul", {id: "skipped"}, report.skipped.map(s => h("li", {}, h("code", {}, s.checkId), " — ", s.reason)))));

  const rank = Object.fromEntries(SEVERITIES.map((s, i) => [s, i]));
  function draw() {
    const q = search.value.trim().toLowerCase();
    const rows = report.findings.filter(f => (!sevFilter.value || f.severity === sevFilter.value)
      && (!catFilter.value || f.category === catFilter.value) && (!checkFilter.value || f.checkId === checkFilter.value)
      && (!q || String(f.object).toLowerCase().includes(q)));
    const key = sortBy.value;
    rows.sort((a, b) => key === "severity" ? rank[a.severity] - rank[b.severity] : key === "priority" ? a.priority - b.priority
      : String(a[key]).localeCompare(String(b[key])));
    count.textContent = `${rows.length} of ${report.findings.length} findings`;
    clear(body);
    const shown = rows.slice(0, 500);
    for (const f of shown) {
      append(body, h("details", {class: `finding sev-${f.severity}`},
        h("summary", {}, h("span", {class: `badge sev-${f.severity}`}, f.severity), " ", h("code", {}, f.object), " — ", f.message),
        h("dl", {class: "meta"}, h("dt", {}, "Check"), h("dd", {}, `${f.checkId} (${f.category})`),
          h("dt", {}, "Recommendation"), h("dd", {}, f.recommendation),
          Object.entries(f.details || {}).map(([k, v]) => [h("dt", {}, k), h("dd", {}, typeof v === "object" ? JSON.stringify(v) : String(v))]))));
    }
    if (rows.length > shown.length) append(body, h("p", {}, `Showing the first ${shown.length}; narrow the filters to see the rest.`));
  }
  for (const el of [sevFilter, catFilter, checkFilter, sortBy]) el.addEventListener("change", draw);
  search.addEventListener("input", draw);
  draw();
}

function label(text, control) { return h("label", {class: "inline"}, text, " ", control); }
