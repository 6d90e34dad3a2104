// DOM helpers. Every value reaches the page as text (textContent / attributes), never as HTML: data from the API
// (check messages, repository names, error texts) can hold markup, and the Content-Security-Policy forbids inline
// script anyway.

/** Create an element: h("td", {class: "x", title: "y"}, "text", childNode, ...). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) { el.replaceChildren(); return el; }

export function byId(id) { return document.getElementById(id); }

const SVG = "http://www.w3.org/2000/svg";
export function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs || {})) if (value !== null && value !== undefined) el.setAttribute(name, String(value));
  for (const child of children.flat()) if (child !== null && child !== undefined) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return el;
}

export function fmtTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

export function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined) return "";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60), s = Math.round(seconds % 60);
  return m < 120 ? `${m} min ${s} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function statusBadge(status) {
  return h("span", {class: `badge st-${String(status || "unknown").toLowerCase()}`}, status || "unknown");
}

export function toast(message) {
  const el = byId("toast");
  el.textContent = message;
  el.classList.add("show");
  setTimeout(() => el.classList.remove("show"), 4000);
}

/** A labelled table: columns [{title, cell(row) -> Node|string, sort?(row) -> value}]. */
export function table(caption, columns, rows, opts = {}) {
  const head = h("tr", {}, columns.map(c => h("th", {scope: "col"}, c.title)));
  const body = h("tbody", {}, rows.map(row => h("tr", opts.rowAttrs ? opts.rowAttrs(row) : {},
    columns.map(c => h("td", {"data-label": c.title}, c.cell(row))))));
  if (!rows.length) body.append(h("tr", {}, h("td", {colspan: columns.length, class: "empty"}, opts.empty || "Nothing here yet.")));
  return h("div", {class: "table-wrap"}, h("table", {class: "grid"}, h("caption", {class: caption.visible ? "" : "sr-only"}, caption.text || caption), h("thead", {}, head), body));
}

export function pager(page, pageSize, total, go) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return h("nav", {class: "pager", "aria-label": "Pages"},
    h("button", {type: "button", disabled: page <= 1, onclick: () => go(page - 1)}, "Previous"),
    h("span", {}, `Page ${page} of ${pages} (${total} in all)`),
    h("button", {type: "button", disabled: page >= pages, onclick: () => go(page + 1)}, "Next"));
}

/** Replace an element's children, skipping null/false (a native replaceChildren would print "null"). */
export function replace(el, ...children) { el.replaceChildren(); return append(el, children); }
