// Start an analysis: a named connection (listed without secrets) or a pasted connection string (sent once, never
// echoed back, cleared from the page as soon as it is sent), the analysis type and options; refusals are shown at
// the field that caused them. Below: the latest analyses.
import {api} from "../api.js";
import {append, fmtTime, h, pager, replace, statusBadge, table} from "../dom.js";
import {clearErrors, field, list, showErrors} from "../forms.js";

const TYPES = ["quick", "comprehensive", "schema", "indexes", "performance", "security", "code"];

export async function render(main) {
  const connections = await api("v1/analysis/connections").catch(() => ({items: []}));
  const named = h("select", {name: "connectionName", id: "connection-name"},
    h("option", {value: ""}, connections.items.length ? "— choose a configured connection —" : "— none configured —"),
    connections.items.map(c => h("option", {value: c.name}, `${c.name} (${c.engine}${c.target ? ", " + c.target : ""})`)));
  const conn = h("textarea", {name: "connectionString", id: "connection-string", rows: 2, autocomplete: "off", spellcheck: "false",
    placeholder: "Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=5432;Database=shop;Uid=...;Pwd=..."});
  const type = h("select", {name: "analysisType", id: "analysis-type"}, TYPES.map(t => h("option", {value: t}, t)));
  const checks = h("input", {name: "options.checks", id: "opt-checks", type: "text", autocomplete: "off"});
  const exclude = h("input", {name: "options.excludeChecks", id: "opt-exclude", type: "text", autocomplete: "off"});
  const schemas = h("input", {name: "options.schemas", id: "opt-schemas", type: "text", autocomplete: "off"});
  const timeout = h("input", {name: "options.timeoutSeconds", id: "opt-timeout", type: "number", min: 1, max: 600, inputmode: "numeric"});
  const form = h("form", {class: "card", novalidate: true, "aria-labelledby": "start-title"},
    h("h1", {id: "start-title"}, "Start an analysis"),
    h("fieldset", {}, h("legend", {}, "Database"),
      field("Configured connection", named, "Connections set by the operator (ANALYZER_CONNECTION_<NAME>); their secrets stay on the server."),
      field("or a connection string", conn, "Sent once over HTTPS, stored encrypted for the job, never shown again.")),
    field("Analysis type", type),
    h("details", {}, h("summary", {}, "Options"),
      field("Only these checks", checks, "Check ids, separated by commas or spaces."),
      field("Skip these checks", exclude),
      field("Only these schemas", schemas),
      field("Statement timeout (seconds)", timeout)),
    h("p", {class: "form-error", role: "alert"}),
    h("button", {type: "submit", id: "start-analysis"}, "Start analysis"));
  form.addEventListener("submit", async event => {
    event.preventDefault();
    clearErrors(form);
    const body = {analysisType: type.value};
    if (named.value) body.connectionName = named.value;
    if (conn.value.trim()) body.connectionString = conn.value.trim();
    if (!body.connectionName && !body.connectionString) {
      showErrors(form, {fieldErrors: [{field: "connectionName", message: "Choose a configured connection or paste a connection string."}]});
      return;
    }
    const options = {};
    if (list(checks.value).length) options.checks = list(checks.value);
    if (list(exclude.value).length) options.excludeChecks = list(exclude.value);
    if (list(schemas.value).length) options.schemas = list(schemas.value);
    if (timeout.value) options.timeoutSeconds = Number(timeout.value);
    if (Object.keys(options).length) body.options = options;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const accepted = await api("v1/analysis/start", {method: "POST", body});
      conn.value = "";
      location.hash = `#/analysis/jobs/${accepted.jobId}`;
    } catch (e) {
      showErrors(form, e);
    } finally {
      button.disabled = false;
      delete body.connectionString;
    }
  });

  const recent = h("section", {"aria-labelledby": "recent-title"}, h("h2", {id: "recent-title"}, "Latest analyses"));
  let page = 1;
  async function loadRecent() {
    const data = await api("v1/analysis", {query: {page, pageSize: 10}});
    replace(recent, h("h2", {id: "recent-title"}, "Latest analyses"),
      table("Latest analyses", [
        {title: "Job", cell: j => h("a", {href: `#/analysis/jobs/${j.jobId}`}, j.jobId)},
        {title: "Target", cell: j => `${j.engine || ""} ${j.target || ""}`},
        {title: "Type", cell: j => j.analysisType || ""},
        {title: "Status", cell: j => statusBadge(j.status)},
        {title: "Progress", cell: j => `${j.progressPercentage} %`},
        {title: "Created", cell: j => fmtTime(j.createdAt)},
      ], data.items, {empty: "No analysis yet: start one above."}),
      pager(page, 10, data.total, p => { page = p; loadRecent(); }),
      h("p", {}, h("a", {href: "#/analysis/history"}, "History and scores per database")));
  }
  append(main, form, recent);
  await loadRecent().catch(e => append(recent, h("p", {class: "error"}, e.message)));
}
