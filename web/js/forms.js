// Forms: labelled fields with an error slot each, and the mapping from a problem+json `errors[].field`
// (e.g. "connectionString", "options.schemas[3]") to the field that caused it.
import {h} from "./dom.js";

let seq = 0;
export function field(label, control, hint) {
  const id = control.id || (control.id = `f${++seq}`);
  const error = h("p", {class: "field-error", id: `${id}-error`, role: "alert"});
  const hintEl = hint ? h("p", {class: "hint", id: `${id}-hint`}, hint) : null;
  control.setAttribute("aria-describedby", [hintEl && hintEl.id, error.id].filter(Boolean).join(" "));
  return h("div", {class: "field", dataset: {field: control.name}}, h("label", {for: id}, label), control, hintEl, error);
}

export function clearErrors(form) {
  for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  const general = form.querySelector(".form-error");
  if (general) general.textContent = "";
}

/** Show each error beside its field; errors naming no known field go to the form's general slot. */
export function showErrors(form, error) {
  clearErrors(form);
  const items = error.fieldErrors && error.fieldErrors.length ? error.fieldErrors : [{field: null, message: error.message}];
  let first = null;
  for (const item of items) {
    const name = item.field ? String(item.field) : "";
    const candidates = [...form.querySelectorAll("[data-field]")].filter(f => f.dataset.field);
    const target = candidates.find(f => name === f.dataset.field)
      || candidates.find(f => name.startsWith(f.dataset.field + ".") || name.startsWith(f.dataset.field + "["))
      || candidates.find(f => f.dataset.field.startsWith(name) && name);
    if (target) {
      const slot = target.querySelector(".field-error");
      slot.textContent = slot.textContent ? `${slot.textContent} ${item.message}` : item.message;
      const control = target.querySelector("input,select,textarea");
      control.setAttribute("aria-invalid", "true");
      first = first || control;
    } else {
      const general = form.querySelector(".form-error");
      general.textContent = [general.textContent, name ? `${name}: ${item.message}` : item.message].filter(Boolean).join(" ");
    }
  }
  if (first) first.focus();
}

export function list(value) { return String(value || "").split(/[\s,]+/).map(s => s.trim()).filter(Boolean); }
