// One job of either product: the state history as a timeline (each transition with its time and duration), the
// activities and sub-orchestrations as a Gantt chart (as Durable Functions Monitor draws it), the error (redacted
// by the API), the input summary without secrets, and retry / cancel / purge.
import {api} from "../api.js";
import {append, fmtDuration, fmtTime, h, replace, statusBadge, svg, toast} from "../dom.js";
import {follow} from "../live.js";

export async function render(main, [id]) {
  const body = h("div", {});
  append(main, body);
  async function load() {
    const job = await api(`v1/jobs/${encodeURIComponent(id)}`);
    const retry = h("button", {type: "button", id: "detail-retry", disabled: !job.retryable, onclick: async () => {
      try { const r = await api(`v1/jobs/${encodeURIComponent(id)}/retry`, {method: "POST"}); toast(`Retried as ${r.id}.`); if (r.id !== id) location.hash = `#/jobs/${encodeURIComponent(r.id)}`; else load(); }
      catch (e) { toast(e.message); } }}, "Retry");
    const active = job.status === "Pending" || job.status === "Running";
    const cancel = h("button", {type: "button", id: "detail-cancel", class: "danger", disabled: !(active && job.type === "analysis"), onclick: async () => {
      if (!confirm("Cancel this job?")) return;
      try { await api(`v1/analysis/${id}/cancel`, {method: "POST"}); load(); } catch (e) { toast(e.message); } }}, "Cancel");
    const purge = h("button", {type: "button", id: "detail-purge", class: "danger", disabled: active, onclick: async () => {
      if (!confirm("Delete this job's history from the engine? The product's records stay.")) return;
      try { await api(`v1/jobs/${encodeURIComponent(id)}`, {method: "DELETE"}); toast("Purged."); load(); } catch (e) { toast(e.message); } }}, "Purge");
    const events = (job.history && job.history.events) || [];
    replace(body, 
      h("h1", {}, `${job.product} job `, h("code", {}, job.id)),
      h("p", {}, statusBadge(job.status), ` ${job.name} · attempt ${job.attempt} · created ${fmtTime(job.createdAt)}`,
        job.durationSeconds != null ? ` · ${fmtDuration(job.durationSeconds)}` : "", " · ", h("a", {href: productLink(job)}, "product page")),
      h("dl", {class: "meta", id: "job-facts"},
        h("dt", {}, "Priority"), h("dd", {id: "fact-priority"}, job.priority || "normal"),
        h("dt", {}, "Schedule"), h("dd", {id: "fact-schedule"}, job.scheduleId ? h("a", {href: "#/recurring"}, job.scheduleId) : "none (started by hand or by the API)"),
        h("dt", {}, "Created"), h("dd", {}, fmtTime(job.createdAt)),
        h("dt", {}, "Started"), h("dd", {}, job.startedAt ? fmtTime(job.startedAt) : "not yet"),
        h("dt", {}, "Waited"), h("dd", {id: "fact-waited"}, fmtDuration(job.waitingSeconds)),
        h("dt", {}, "Run time"), h("dd", {id: "fact-running"}, fmtDuration(job.runningSeconds))),
      h("p", {class: "actions"}, retry, " ", cancel, " ", purge),
      job.error ? h("section", {class: "card error"}, h("h2", {}, "Error"), h("pre", {id: "detail-error"}, job.error)) : null,
      h("section", {}, h("h2", {}, "State history"), timeline(job, events)),
      h("section", {}, h("h2", {}, "Activities and sub-orchestrations"), gantt(events)),
      job.input ? h("section", {}, h("h2", {}, "Input"), h("pre", {}, JSON.stringify(job.input, null, 2))) : null,
      job.output != null ? h("details", {}, h("summary", {}, "Output"), h("pre", {}, JSON.stringify(job.output, null, 2))) : null);
  }
  try { await load(); } catch (e) { append(body, h("p", {class: "error", role: "alert"}, e.status === 404 ? `No job ${id}.` : e.message)); return null; }
  return follow({all: true}, {JobChanged: ev => { if (!ev || ev.id === id || ev.jobId === id) load().catch(() => {}); }}, load, 3000);
}

function productLink(job) {
  if (job.type === "analysis") return `#/analysis/jobs/${job.id}`;
  return `#/policy/scans/${job.id.split(":")[0]}`;
}

const STATE_EVENTS = {ExecutionStarted: "Running", ExecutionCompleted: "Ended", ExecutionTerminated: "Terminated",
  ExecutionSuspended: "Suspended", ExecutionResumed: "Running", ContinueAsNew: "Continued as new", EventRaised: "Event received"};

function timeline(job, events) {
  const points = [{label: "Created", at: job.createdAt}];
  for (const e of events) if (STATE_EVENTS[e.eventType]) points.push({label: e.eventType === "ExecutionCompleted" ? (e.orchestrationStatus || job.status) : STATE_EVENTS[e.eventType], at: e.timestamp});
  if (!events.some(e => e.eventType === "ExecutionCompleted") && job.completedAt) points.push({label: job.status, at: job.completedAt});
  return h("ol", {class: "timeline", id: "state-timeline"}, points.map((p, i) => {
    const next = points[i + 1];
    const dur = next && p.at && next.at ? (new Date(next.at) - new Date(p.at)) / 1000 : null;
    return h("li", {}, h("span", {class: "t-label"}, p.label), " ", h("time", {datetime: p.at || ""}, fmtTime(p.at)), dur != null ? ` · ${fmtDuration(dur)}` : "");
  }));
}

function gantt(events) {
  // A completion or failure carries when its task was scheduled (the documented history shape): one bar each.
  const bars = [];
  for (const e of events) {
    if (["TaskCompleted", "TaskFailed", "SubOrchestrationInstanceCompleted", "SubOrchestrationInstanceFailed"].includes(e.eventType) && e.scheduledTime) {
      bars.push({name: e.functionName || "?", start: new Date(e.scheduledTime), end: new Date(e.timestamp), failed: e.eventType.endsWith("Failed")});
    }
  }
  if (!bars.length) return h("p", {}, "No activity recorded (or the engine no longer keeps this history).");
  const t0 = Math.min(...bars.map(b => +b.start)), t1 = Math.max(...bars.map(b => +b.end), t0 + 1);
  const W = 640, row = 18, labelW = 200;
  const x = t => labelW + (W - labelW - 10) * ((t - t0) / (t1 - t0));
  const shown = bars.slice(0, 60);
  return h("figure", {class: "gantt"}, h("figcaption", {}, `${bars.length} steps over ${fmtDuration((t1 - t0) / 1000)}`),
    svg("svg", {viewBox: `0 0 ${W} ${shown.length * row + 10}`, role: "img", "aria-label": "Gantt chart of the job's activities", id: "gantt"},
      shown.map((b, i) => svg("g", {},
        svg("text", {x: 4, y: i * row + 13}, b.name.slice(0, 28)),
        svg("rect", {x: x(+b.start), y: i * row + 3, width: Math.max(2, x(+b.end) - x(+b.start)), height: row - 6, class: b.failed ? "bar s-fail" : "bar s-ok"},
          svg("title", {}, `${b.name}: ${fmtDuration((b.end - b.start) / 1000)}${b.failed ? " (failed)" : ""}`))))),
    h("table", {class: "sr-only"}, h("caption", {}, "Activities"), h("tbody", {}, bars.map(b => h("tr", {}, h("td", {}, b.name), h("td", {}, fmtDuration((b.end - b.start) / 1000)))))));
}
