// otel-measure charts: three small SVG chart kinds (line, bars, intervals), no dependency.
// Every drawn datum is an SVG element with class "mark", so a test can count them.
"use strict";
(function (global) {
  const NS = "http://www.w3.org/2000/svg";
  const PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777"];

  function el(name, attrs, parent) {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (parent) parent.appendChild(node);
    return node;
  }

  function text(parent, x, y, content, attrs) {
    const t = el("text", Object.assign({ x, y }, attrs || {}), parent);
    t.textContent = content;
    return t;
  }

  function svg(container, height) {
    container.replaceChildren();
    // Draw at the container's own width so text keeps its size on a phone.
    const width = Math.max(300, Math.round(container.clientWidth || 480));
    const root = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img",
                             preserveAspectRatio: "xMidYMid meet" }, container);
    return { root, width, height };
  }

  function empty(container, message) {
    container.replaceChildren();
    const p = document.createElement("p");
    p.className = "empty";
    p.textContent = message;
    container.appendChild(p);
    container.dataset.marks = "0";
  }

  // The smallest "round" maximum with four round steps (step 1, 2, 2.5 or 5 times 10^k).
  function niceMax(v) {
    if (!(v > 0)) return 1;
    const raw = v / 4, p = Math.pow(10, Math.floor(Math.log10(raw)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return 4 * m * p;
    return 40 * p;
  }

  function clip(label, n) {
    return label.length > n ? `${label.slice(0, n - 1)}…` : label;
  }

  // Legend entries flow left to right and wrap; returns the height they take.
  function legendRows(series, width, left) {
    let x = left, rows = 1;
    for (const s of series) {
      const w = 24 + 6.5 * s.name.length;
      if (x + w > width && x > left) { x = left; rows++; }
      x += w;
    }
    return rows;
  }

  function timeLabel(t) {
    const d = new Date(t * 1000);
    return d.toTimeString().slice(0, 8);
  }

  // series: [{name, points: [[x, y], ...]}]; opts: {format, threshold: {value, label}, yMax}
  function line(container, series, opts) {
    opts = opts || {};
    const pts = series.flatMap((s) => s.points.filter((p) => p[1] !== null && isFinite(p[1])));
    if (!pts.length) return empty(container, opts.emptyText || "no data yet");
    const named = series.length > 1 || series.some((s) => s.name);
    const rows = named ? legendRows(series, Math.max(300, container.clientWidth || 480) - 12, 54) : 0;
    const { root, width, height } = svg(container, 196 + 16 * rows);
    const m = { l: 54, r: 12, t: 12, b: 28 + 16 * rows };
    const xs = pts.map((p) => p[0]);
    let [x0, x1] = opts.xDomain || [Math.min(...xs), Math.max(...xs)];
    if (x0 === x1) { x0 -= 1; x1 += 1; }
    const ys = pts.map((p) => p[1]);
    if (opts.threshold) ys.push(opts.threshold.value);
    const yMax = opts.yMax || niceMax(Math.max(...ys) * 1.05);
    const X = (x) => m.l + ((x - x0) / (x1 - x0)) * (width - m.l - m.r);
    const Y = (y) => height - m.b - (y / yMax) * (height - m.t - m.b);
    const fmt = opts.format || ((v) => String(v));
    for (let i = 0; i <= 4; i++) {
      const v = (yMax * i) / 4;
      el("line", { x1: m.l, x2: width - m.r, y1: Y(v), y2: Y(v), class: "gridline" }, root);
      text(root, m.l - 6, Y(v) + 4, fmt(v), { class: "tick", "text-anchor": "end" });
    }
    const xFmt = opts.xFormat || timeLabel;
    text(root, m.l, height - m.b + 16, xFmt(x0), { class: "tick" });
    text(root, width - m.r, height - m.b + 16, xFmt(x1), { class: "tick", "text-anchor": "end" });
    if (opts.threshold) {
      const y = Y(opts.threshold.value);
      el("line", { x1: m.l, x2: width - m.r, y1: y, y2: y, class: "threshold" }, root);
      text(root, width - m.r, y - 4, opts.threshold.label, { class: "tick threshold-label",
                                                              "text-anchor": "end" });
    }
    let mark = 0, lx = m.l, ly = height - m.b + 34;
    series.forEach((s, i) => {
      const color = s.color || PALETTE[i % PALETTE.length];
      const good = s.points.filter((p) => p[1] !== null && isFinite(p[1]));
      if (good.length > 1) {
        const d = good.map((p, j) => `${j ? "L" : "M"}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`);
        el("path", { d: d.join(""), class: "mark series", stroke: color }, root);
        mark++;
      }
      const last = good[good.length - 1];
      if (last) {
        el("circle", { cx: X(last[0]), cy: Y(last[1]), r: 3, fill: color, class: "mark" }, root);
        mark++;
      }
      if (named) {
        const w = 24 + 6.5 * s.name.length;
        if (lx + w > width && lx > m.l) { lx = m.l; ly += 16; }
        el("rect", { x: lx, y: ly - 9, width: 10, height: 10, fill: color }, root);
        text(root, lx + 14, ly, s.name, { class: "legend" });
        lx += w;
      }
    });
    container.dataset.marks = String(mark);
  }

  // items: [{label, value, lo, hi, color, note}]; opts: {format, ref: {value, label}, max}
  function bars(container, items, opts) {
    opts = opts || {};
    const good = items.filter((d) => d.value !== null && d.value !== undefined && isFinite(d.value));
    if (!good.length) return empty(container, opts.emptyText || "no data yet");
    const row = 26;
    const { root, width } = svg(container, 16 + row * good.length + 8);
    const m = { l: Math.min(190, Math.round(width * 0.36)), r: 84 };
    const chars = Math.floor(m.l / 6.4);
    const vals = good.flatMap((d) => [d.value, d.hi ?? d.value]);
    if (opts.ref) vals.push(opts.ref.value);
    const max = opts.max || niceMax(Math.max(...vals) * 1.05);
    const X = (v) => m.l + (Math.max(0, v) / max) * (width - m.l - m.r);
    const fmt = opts.format || ((v) => String(v));
    good.forEach((d, i) => {
      const y = 12 + i * row;
      text(root, m.l - 6, y + 13, clip(d.label, chars), { class: "label", "text-anchor": "end" });
      const color = d.color || PALETTE[0];
      el("rect", { x: m.l, y, width: Math.max(1, X(d.value) - m.l), height: row - 8, rx: 2,
                   fill: color, class: "mark" }, root).appendChild(
        Object.assign(el("title", {}), { textContent: `${d.label}: ${fmt(d.value)}` }));
      if (d.lo !== undefined && d.hi !== undefined && d.lo !== null && d.hi !== null) {
        el("line", { x1: X(d.lo), x2: X(d.hi), y1: y + (row - 8) / 2, y2: y + (row - 8) / 2,
                     class: "whisker" }, root);
      }
      text(root, X(d.value) + 4, y + 13, d.note || fmt(d.value), { class: "value" });
    });
    if (opts.ref) {
      const x = X(opts.ref.value);
      el("line", { x1: x, x2: x, y1: 4, y2: 12 + row * good.length, class: "threshold" }, root);
      text(root, x + 3, 10, opts.ref.label, { class: "tick threshold-label" });
    }
    container.dataset.marks = String(good.length);
  }

  // items: [{label, value, lo, hi, color, note}] on a shared axis [min, max] with a zero line.
  function intervals(container, items, opts) {
    opts = opts || {};
    const good = items.filter((d) => d.value !== null && isFinite(d.value));
    if (!good.length) return empty(container, opts.emptyText || "no data yet");
    const row = 30;
    const { root, width } = svg(container, 30 + row * good.length);
    const m = { l: Math.min(190, Math.round(width * 0.36)), r: 24 };
    const chars = Math.floor(m.l / 6.4);
    let [lo, hi] = opts.domain || [
      Math.min(0, ...good.map((d) => d.lo ?? d.value)), Math.max(0, ...good.map((d) => d.hi ?? d.value))];
    if (lo === hi) { lo -= 1; hi += 1; }
    const X = (v) => m.l + ((v - lo) / (hi - lo)) * (width - m.l - m.r);
    const fmt = opts.format || ((v) => String(v));
    const zero = opts.zero ?? 0;
    el("line", { x1: X(zero), x2: X(zero), y1: 4, y2: 14 + row * good.length, class: "gridline" }, root);
    text(root, m.l, 22 + row * good.length, fmt(lo), { class: "tick" });
    text(root, width - m.r, 22 + row * good.length, fmt(hi), { class: "tick", "text-anchor": "end" });
    good.forEach((d, i) => {
      const y = 16 + i * row;
      const color = d.color || PALETTE[0];
      text(root, m.l - 6, y + 4, clip(d.label, chars), { class: "label", "text-anchor": "end" });
      if (d.lo !== null && d.hi !== null && d.lo !== undefined) {
        el("line", { x1: X(d.lo), x2: X(d.hi), y1: y, y2: y, stroke: color, class: "interval" }, root);
      }
      el("circle", { cx: X(d.value), cy: y, r: 5, fill: color, class: "mark" }, root);
      text(root, X(d.value), y - 8, d.note || fmt(d.value), { class: "value", "text-anchor": "middle" });
    });
    container.dataset.marks = String(good.length);
  }

  global.OMCharts = { line, bars, intervals, PALETTE };
})(window);
