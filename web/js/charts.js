// Small SVG charts drawn with DOM calls (no library, nothing as HTML). Each chart has a title and a text summary
// for screen readers, and a legend; colours have text equivalents.
import {h, svg} from "./dom.js";

const W = 640, H = 200, PAD = {l: 40, r: 12, t: 12, b: 28};

function scaleY(max) { return v => PAD.t + (H - PAD.t - PAD.b) * (1 - (max ? v / max : 0)); }
function niceMax(values) { const m = Math.max(1, ...values); const p = 10 ** Math.floor(Math.log10(m)); return Math.ceil(m / p) * p; }

function axes(max, labels, x) {
  const y = scaleY(max);
  const g = svg("g", {class: "axes"});
  for (const v of [0, max / 2, max]) {
    g.append(svg("line", {x1: PAD.l, x2: W - PAD.r, y1: y(v), y2: y(v), class: "gridline"}));
    g.append(svg("text", {x: PAD.l - 6, y: y(v) + 4, "text-anchor": "end"}, String(Math.round(v))));
  }
  const step = Math.max(1, Math.ceil(labels.length / 8));
  labels.forEach((label, i) => { if (i % step === 0) g.append(svg("text", {x: x(i), y: H - 8, "text-anchor": "middle"}, label)); });
  return g;
}

/** series: [{name, cls, values: number[]}], labels: string[] (same length). */
export function lineChart(title, labels, series, opts = {}) {
  const n = Math.max(labels.length, 2);
  const x = i => PAD.l + (W - PAD.l - PAD.r) * (i / (n - 1));
  const max = opts.max || niceMax(series.flatMap(s => s.values));
  const y = scaleY(max);
  const chart = svg("svg", {viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title, class: "chart"},
    svg("title", {}, title), axes(max, labels, x),
    series.map(s => svg("polyline", {class: `series ${s.cls}`, fill: "none",
      points: s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ")})),
    series.map(s => s.values.map((v, i) => svg("circle", {class: `dot ${s.cls}`, cx: x(i), cy: y(v), r: 2.5},
      svg("title", {}, `${labels[i]}: ${s.name} ${v}`)))));
  return figure(title, chart, series, opts.summary);
}

/** Grouped bars: one group per label, one bar per series. */
export function barChart(title, labels, series, opts = {}) {
  const n = Math.max(labels.length, 1);
  const band = (W - PAD.l - PAD.r) / n;
  const x = i => PAD.l + band * (i + 0.5);
  const max = niceMax(series.flatMap(s => s.values));
  const y = scaleY(max);
  const bw = Math.max(2, (band * 0.8) / series.length);
  const bars = [];
  labels.forEach((label, i) => series.forEach((s, j) => {
    const v = s.values[i] || 0, top = y(v);
    bars.push(svg("rect", {class: `bar ${s.cls}`, x: x(i) - (bw * series.length) / 2 + j * bw, y: top, width: bw - 1,
      height: Math.max(0, H - PAD.b - top)}, svg("title", {}, `${label}: ${s.name} ${v}`)));
  }));
  const chart = svg("svg", {viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title, class: "chart"},
    svg("title", {}, title), axes(max, labels, x), bars);
  return figure(title, chart, series, opts.summary);
}

function figure(title, chart, series, summary) {
  return h("figure", {class: "chart-figure"},
    h("figcaption", {}, h("span", {class: "chart-title"}, title), " ",
      h("span", {class: "legend"}, series.map(s => h("span", {class: `key ${s.cls}`}, s.name)))),
    chart,
    h("p", {class: "sr-only"}, summary || series.map(s => `${s.name}: ${s.values.join(", ")}`).join("; ")));
}
