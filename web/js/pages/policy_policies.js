// The effective policy configuration with its source (the app's file or the organization's `.github` override),
// configuration errors with their line numbers, and exemptions with owner, reason and expiry (expired ones marked).
import {api} from "../api.js";
import {append, h, table} from "../dom.js";

export async function render(main) {
  append(main, h("h1", {}, "Policies"));
  let config;
  try { config = await api("v1/policies"); } catch (e) { append(main, h("p", {class: "error", role: "alert"}, e.message)); return; }
  append(main, h("p", {}, "Sources: ", (config.sources || []).join(", ") || "built-in defaults"));
  if (!config.valid) append(main, h("section", {class: "card error"}, h("h2", {}, "Configuration errors"),
    h("ul", {}, config.errors.map(e => h("li", {}, `${e.source}:${e.line} ${e.path || ""} — ${e.message}`)))));
  const now = new Date();
  append(main, table("Policies", [
    {title: "Policy", cell: p => p.id}, {title: "Check", cell: p => p.check},
    {title: "Severity", cell: p => h("span", {class: `badge sev-${p.severity}`}, p.severity)},
    {title: "Action", cell: p => p.action + (p.dryRun ? " (dry run)" : "")},
    {title: "Enabled", cell: p => p.enabled ? "yes" : "no"},
    {title: "Parameters", cell: p => Object.entries(p.params || {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ")},
    {title: "Exemptions", cell: p => (p.exemptions || []).length ? h("ul", {class: "plain"}, p.exemptions.map(x => {
      const expired = x.expires && new Date(x.expires) < now;
      return h("li", {class: expired ? "expired" : ""}, `${x.repository || x.repositories || "?"}`,
        x.owner ? ` · owner ${x.owner}` : "", x.reason ? ` · ${x.reason}` : "", x.expires ? ` · expires ${x.expires}` : "", expired ? " (expired)" : "");
    })) : ""},
  ], config.policies || []));
  append(main, h("h2", {}, "Available checks"), table("Checks", [
    {title: "Check", cell: c => c.id}, {title: "Title", cell: c => c.title}, {title: "Why", cell: c => c.why || ""}, {title: "Fix", cell: c => c.fix || ""},
  ], config.checks || []));
}
