// The only way the pages reach the app: its public HTTP API under /api, with the function key from sessionStorage
// in the x-functions-key header (never in a URL). Errors arrive as RFC 9457 problem+json; ApiError keeps the
// field list so a form can show each message beside its field.

const KEY = "functionKey";
const AUTH_MODE = "authMode"; // "key" or "appservice" (App Service Authentication: the cookie does the work)

export const apiBase = new URL("../", document.baseURI.replace(/#.*$/, "")).pathname.replace(/ui\/$/, "");

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.fieldErrors = Array.isArray(problem.errors) ? problem.errors : [];
  }
}

export function hasCredentials() {
  return sessionStorage.getItem(AUTH_MODE) === "appservice" || !!sessionStorage.getItem(KEY);
}
export function functionKey() { return sessionStorage.getItem(KEY) || ""; }
export function setKey(key) { sessionStorage.setItem(KEY, key); sessionStorage.setItem(AUTH_MODE, "key"); }
export function useAppService() { sessionStorage.removeItem(KEY); sessionStorage.setItem(AUTH_MODE, "appservice"); }
export function forgetKey() { sessionStorage.removeItem(KEY); sessionStorage.removeItem(AUTH_MODE); }

const listeners = new Set();
export function onUnauthorized(fn) { listeners.add(fn); }

export function authHeaders() {
  const key = functionKey();
  return key ? {"x-functions-key": key} : {};
}

/** Call the API: api("v1/jobs", {query: {page: 1}}) → parsed JSON (or text for non-JSON answers). */
export async function api(path, {method = "GET", body, query, signal, accept} = {}) {
  const url = new URL(apiBase + path, location.origin);
  for (const [k, v] of Object.entries(query || {})) if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
  const headers = {...authHeaders()};
  if (accept) headers.Accept = accept;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url, {method, headers, signal, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body)});
  const type = response.headers.get("Content-Type") || "";
  const payload = type.includes("json") ? await response.json().catch(() => ({})) : await response.text();
  if (response.status === 401) listeners.forEach(fn => fn());
  if (!response.ok) throw new ApiError(response.status, typeof payload === "object" ? payload : {detail: String(payload).slice(0, 200)});
  return payload;
}

/** Download a report format with the key in a header, then hand the browser a blob URL (the key stays out of URLs). */
export async function download(path, filename) {
  const response = await fetch(new URL(apiBase + path, location.origin), {headers: authHeaders(), credentials: "same-origin"});
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => ({})));
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement("a");
  a.href = url; a.download = filename; document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
