// Live updates. With SignalR configured, the page connects through the app's negotiate function (the official
// @microsoft/signalr browser client, served by the app) and receives the same events the old frontend did
// (`AnalysisProgress`, ...). Without SignalR, or while it is down, the same callbacks are fed by polling the public
// API, so every page works either way; the header says which one is in use.
import {authHeaders, apiBase} from "./api.js";
import {byId} from "./dom.js";

let mode = "polling";
function show(next) {
  mode = next;
  const el = byId("live-indicator");
  if (el) { el.textContent = next === "signalr" ? "live (SignalR)" : next === "polling" ? "live (polling)" : next; el.dataset.mode = next; }
}
export function liveMode() { return mode; }

/**
 * Follow events. `scope` is {jobId} for one job or {all: true} for the dashboard.
 * `handlers` maps event names (AnalysisProgress for one job, JobChanged for the dashboard) to callbacks.
 * `poll` is an async function called every `interval` ms while SignalR is not delivering.
 * Returns a function that stops everything.
 */
export function follow(scope, handlers, poll, interval = 2000) {
  let stopped = false, connection = null, timer = null;
  const tick = async () => {
    if (stopped) return;
    try { await poll(); } catch (e) { /* the page shows its own error state */ }
    if (!stopped && mode !== "signalr") timer = setTimeout(tick, interval);
  };
  const startPolling = () => { show("polling"); clearTimeout(timer); timer = setTimeout(tick, interval); };

  const signalR = window.signalR;
  if (!signalR) { startPolling(); }
  else {
    const query = new URLSearchParams();
    if (scope.jobId) query.set("jobId", scope.jobId);
    if (scope.all) query.set("dashboard", "true");
    connection = new signalR.HubConnectionBuilder()
      .withUrl(`${apiBase.replace(/\/$/, "")}?${query}`, {headers: authHeaders(), withCredentials: true})
      .withAutomaticReconnect()
      .configureLogging(signalR.LogLevel.None)
      .build();
    for (const [name, fn] of Object.entries(handlers)) connection.on(name, fn);
    connection.onreconnecting(() => startPolling());
    connection.onreconnected(() => { show("signalr"); poll().catch(() => {}); });
    connection.onclose(() => { if (!stopped) startPolling(); });
    connection.start().then(() => {
      if (stopped) { connection.stop(); return; }
      show("signalr"); clearTimeout(timer);
      poll().catch(() => {}); // one read so nothing sent before the connection is missed
    }).catch(() => { if (!stopped) startPolling(); });
    startPolling(); // until the connection is up
  }
  poll().catch(() => {});
  return () => { stopped = true; clearTimeout(timer); if (connection) connection.stop().catch(() => {}); };
}
