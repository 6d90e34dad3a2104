// One analysis job: the progress bar and current step move live (SignalR `AnalysisProgress`, or polling the
// status endpoint the old frontend polled), checks completed/total, cancel and restart.
import {api} from "../api.js";
import {append, fmtTime, h, replace, statusBadge, toast} from "../dom.js";
import {follow} from "../live.js";

const ACTIVE = new Set(["Pending", "Running"]);

export async function render(main, [jobId]) {
  const bar = h("div", {class: "bar-fill"});
  const progress = h("div", {class: "progress", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": 0,
    "aria-label": "Analysis progress", id: "job-progress"}, bar);
  const percent = h("span", {id: "job-percent"}, "0 %");
  const step = h("p", {id: "job-step", class: "step", "aria-live": "polite"});
  const counts = h("span", {id: "job-checks"});
  const badge = h("span", {id: "job-status"});
  const meta = h("dl", {class: "meta"});
  const error = h("p", {class: "error", id: "job-error", role: "alert"});
  const cancel = h("button", {type: "button", id: "job-cancel", class: "danger"}, "Cancel");
  const restart = h("button", {type: "button", id: "job-restart"}, "Restart");
  const report = h("a", {href: `#/analysis/jobs/${jobId}/report`, id: "job-report", class: "button", hidden: true}, "Open the report");
  append(main, h("h1", {}, "Analysis ", h("code", {}, jobId)), h("p", {}, badge, " ", percent, " · ", counts),
    progress, step, error, h("p", {class: "actions"}, cancel, " ", restart, " ", report), meta);

  let last = null;
  function update(s) {
    if (!s || s.jobId !== jobId) return;
    // Events can overtake a poll answer: never move backwards within the same attempt.
    if (last && s.status === last.status && (s.attempt || 1) === (last.attempt || 1) && s.progressPercentage < last.progressPercentage) return;
    last = s;
    const pct = Math.max(0, Math.min(100, s.progressPercentage || 0));
    bar.style.width = `${pct}%`;
    progress.setAttribute("aria-valuenow", String(pct));
    percent.textContent = `${pct} %`;
    step.textContent = s.currentStep || "";
    counts.textContent = `${s.checksCompleted ?? 0} of ${s.checksTotal ?? 0} checks`;
    replace(badge, statusBadge(s.status));
    error.textContent = s.error || (s.partial ? `Partial result: ${s.partialReason || "some checks could not run"}` : "");
    cancel.disabled = !ACTIVE.has(s.status);
    restart.disabled = !(s.status === "Failed" || s.status === "Canceled");
    report.hidden = s.status !== "Completed";
    replace(meta, 
      h("dt", {}, "Target"), h("dd", {}, `${s.engine || ""} ${s.target || ""}`),
      h("dt", {}, "Type"), h("dd", {}, s.analysisType || ""),
      h("dt", {}, "Created"), h("dd", {}, fmtTime(s.createdAt)),
      h("dt", {}, "Started"), h("dd", {}, fmtTime(s.startedAt)),
      h("dt", {}, "Completed"), h("dd", {}, fmtTime(s.completedAt)),
      h("dt", {}, "Attempt"), h("dd", {}, String(s.attempt || 1)));
  }
  const poll = async () => update(await api(`v1/analysis/status/${jobId}`));
  cancel.addEventListener("click", async () => {
    if (!confirm("Cancel this analysis?")) return;
    try { update(await api(`v1/analysis/${jobId}/cancel`, {method: "POST"})); toast("Canceled."); }
    catch (e) { error.textContent = e.message; }
  });
  restart.addEventListener("click", async () => {
    try { await api(`v1/analysis/${jobId}/restart`, {method: "POST"}); last = null; toast("Restarted."); await poll(); }
    catch (e) { error.textContent = e.message; }
  });
  try { await poll(); } catch (e) { error.textContent = e.status === 404 ? `No job ${jobId}.` : e.message; return null; }
  return follow({jobId}, {AnalysisProgress: update}, poll, 1000);
}
