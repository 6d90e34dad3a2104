// Recurring jobs: every schedule (the built-in daily scan and user-defined ones) with cron, time zone, next and
// last run and its outcome; "Trigger now" and enable/disable, through the schedules API.
import {api} from "../api.js";
import {append, fmtTime, h, replace, statusBadge, table, toast} from "../dom.js";

export async function render(main) {
  append(main, h("h1", {}, "Recurring jobs"));
  const holder = h("div", {id: "schedules"});
  append(main, holder);
  async function load() {
    let data;
    try { data = await api("v1/schedules", {query: {pageSize: 200}}); }
    catch (e) { replace(holder, h("p", {class: "error", role: "alert"}, e.status === 404 ? "Schedules are not available on this server." : e.message)); return; }
    replace(holder, table("Schedules", [
      {title: "Id", cell: s => s.id + (s.origin === "builtin" ? " (built-in)" : "")},
      {title: "Kind", cell: s => s.kind},
      {title: "Cron", cell: s => h("code", {}, s.cron)},
      {title: "Time zone", cell: s => s.timeZone || "UTC"},
      {title: "Next run", cell: s => s.enabled ? fmtTime(s.nextRun && (s.nextRun.utc || s.nextRun)) : "disabled"},
      {title: "Last run", cell: s => s.lastRun ? h("span", {}, fmtTime(s.lastRun.at || s.lastRun.startedAt), " ",
        s.lastRun.jobId ? h("a", {href: `#/jobs/${encodeURIComponent(s.lastRun.jobId)}`}, s.lastRun.jobId) : "", " ", statusBadge(s.lastRun.outcome || s.lastRun.status)) : "never"},
      {title: "", cell: s => h("span", {class: "actions"},
        h("button", {type: "button", class: "trigger-now", "data-id": s.id, "aria-label": `Trigger now: ${s.id}`, onclick: async () => {
          try { const r = await api(`v1/schedules/${encodeURIComponent(s.id)}/trigger`, {method: "POST"}); toast(`Triggered: ${r.jobId || r.id || "started"}`); load(); }
          catch (e) { toast(e.message); } }}, "Trigger now"), " ",
        h("button", {type: "button", class: "secondary toggle", "data-id": s.id, "aria-label": `${s.enabled ? "Disable" : "Enable"}: ${s.id}`, onclick: async () => {
          try { await api(`v1/schedules/${encodeURIComponent(s.id)}`, {method: "PUT", body: {...strip(s), enabled: !s.enabled}}); load(); }
          catch (e) { toast(e.message); } }}, s.enabled ? "Disable" : "Enable"))},
    ], data.items, {empty: "No schedule."}));
  }
  await load();
  const timer = setInterval(load, 10000);
  return () => clearInterval(timer);
}

function strip(schedule) {
  // Send back only what a schedule is made of (ScheduleDefinition); the fields the API computes stay behind.
  const keep = ["kind", "cron", "timeZone", "enabled", "overlap", "request", "recipients", "notifyOn"];
  return Object.fromEntries(keep.filter(k => k in schedule).map(k => [k, schedule[k]]));
}
