// The single-page shell: hash routes → page modules. Each page's `render(main, params)` builds its content and may
// return a function that stops its live updates when the user navigates away.
import {api, forgetKey, hasCredentials, onUnauthorized, setKey, useAppService} from "./api.js";
import {byId, clear, h} from "./dom.js";

const ROUTES = [
  [/^#\/analysis\/new$/, "analysis", () => import("./pages/analysis_new.js")],
  [/^#\/analysis\/jobs\/([\w-]+)$/, "analysis", () => import("./pages/analysis_job.js")],
  [/^#\/analysis\/jobs\/([\w-]+)\/report$/, "analysis", () => import("./pages/analysis_report.js")],
  [/^#\/analysis\/history$/, "analysis", () => import("./pages/analysis_history.js")],
  [/^#\/policy$/, "policy", () => import("./pages/policy_home.js")],
  [/^#\/policy\/scans\/([\w-]+)$/, "policy", () => import("./pages/policy_scan.js")],
  [/^#\/policy\/policies$/, "policy", () => import("./pages/policy_policies.js")],
  [/^#\/jobs$/, "jobs", () => import("./pages/jobs.js")],
  [/^#\/jobs\/state\/(\w+)$/, "jobs", () => import("./pages/jobs.js")],
  [/^#\/jobs\/([\w:.-]+)$/, "jobs", () => import("./pages/job_detail.js")],
  [/^#\/recurring$/, "recurring", () => import("./pages/recurring.js")],
  [/^#\/servers$/, "servers", () => import("./pages/servers.js")],
];

let stopPage = null;

async function route() {
  if (stopPage) { stopPage(); stopPage = null; }
  const main = byId("main");
  if (!hasCredentials()) { showKeyForm(); return; }
  byId("key-form").hidden = true;
  byId("forget-key").hidden = false;
  const hash = location.hash || "#/jobs";
  const match = ROUTES.map(([re, nav, load]) => [hash.match(re), nav, load]).find(([m]) => m);
  for (const a of document.querySelectorAll("[data-nav]")) {
    if (match && a.dataset.nav === match[1]) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
  clear(main);
  if (!match) { main.append(h("h1", {}, "Not found"), h("p", {}, "No page at this address. "), h("a", {href: "#/jobs"}, "Go to the jobs dashboard")); return; }
  const [m, , load] = match;
  const page = await load();
  stopPage = await page.render(main, m.slice(1).map(decodeURIComponent)) || null;
}

function showKeyForm() {
  clear(byId("main"));
  byId("forget-key").hidden = true;
  const form = byId("key-form");
  form.hidden = false;
  byId("key-input").focus();
}

byId("key-form").addEventListener("submit", async event => {
  event.preventDefault();
  const input = byId("key-input");
  const error = byId("key-error");
  if (!input.value) { error.textContent = "Enter the function key (make start prints it)."; input.setAttribute("aria-invalid", "true"); return; }
  setKey(input.value);
  input.value = "";
  try { await api("v1/jobs/stats"); }
  catch (e) { forgetKey(); error.textContent = e.status === 401 ? "This key was refused." : e.message; input.setAttribute("aria-invalid", "true"); return; }
  error.textContent = ""; input.removeAttribute("aria-invalid");
  route();
});
byId("no-key").addEventListener("click", () => { useAppService(); route(); });
byId("forget-key").addEventListener("click", () => { forgetKey(); route(); });
onUnauthorized(() => { forgetKey(); showKeyForm(); byId("key-error").textContent = "The key was refused; enter it again."; });

// Navigation counts by state, refreshed every few seconds (Hangfire shows them in its menu).
async function refreshCounts() {
  if (!hasCredentials()) return;
  try {
    const stats = await api("v1/jobs/stats");
    const by = stats.byStatus || {};
    const el = byId("nav-counts");
    el.textContent = `${by.Running || 0} running · ${by.Failed || 0} failed`;
    el.title = Object.entries(by).map(([k, v]) => `${k}: ${v}`).join(", ");
  } catch (e) { /* shown by the pages */ }
}
setInterval(refreshCounts, 5000);

window.addEventListener("hashchange", () => { route(); refreshCounts(); });
route();
refreshCounts();
