// Servers: the host instance(s) with start time, version, state, concurrency limits from host.json, activities
// running now, queue depths (poison queues included) and heartbeat.
import {api} from "../api.js";
import {append, fmtTime, h, replace, table} from "../dom.js";

export async function render(main) {
  append(main, h("h1", {}, "Servers"));
  const holder = h("div", {id: "servers"});
  append(main, holder);
  async function load() {
    let data;
    try { data = await api("v1/servers"); } catch (e) { replace(holder, h("p", {class: "error", role: "alert"}, e.message)); return; }
    replace(holder, 
      table("Host instances", [
        {title: "Instance", cell: s => s.instanceId}, {title: "Host", cell: s => s.hostName},
        {title: "State", cell: s => s.state}, {title: "Started", cell: s => fmtTime(s.startedAt)},
        {title: "Heartbeat", cell: s => fmtTime(s.heartbeatAt)}, {title: "Version", cell: s => s.version},
      ], data.servers),
      h("h2", {}, "Running now"),
      h("p", {id: "running-now"}, Object.entries(data.running).map(([type, n]) => `${n} ${type}`).join(" · ")),
      h("h2", {}, "Limits (host.json)"),
      h("dl", {class: "meta", id: "limits"}, Object.entries(data.limits).map(([k, v]) => [h("dt", {}, k), h("dd", {}, v == null ? "default" : String(v))])),
      h("h2", {}, "Queues"),
      table("Queues", [
        {title: "Queue", cell: q => q.name}, {title: "Poison", cell: q => q.poison ? "yes" : ""},
        {title: "Messages", cell: q => q.depth == null ? (q.error || "unknown") : String(q.depth)},
      ], data.queues));
  }
  await load();
  const timer = setInterval(load, 5000);
  return () => clearInterval(timer);
}
