// otel-measure dashboard: reads the JSON API of this server and draws it; auto-refreshes.
// Page parameters: ?refresh=SECONDS (default 5), ?funnel=step1,step2,... (event names).
"use strict";
(function () {
  const C = window.OMCharts;
  const params = new URLSearchParams(location.search);
  const refreshS = Math.max(1, Number(params.get("refresh")) || 5);
  const funnelSteps = (params.get("funnel") || "").split(",").filter(Boolean);
  const API = "/api/v1/metrics";
  const TOKEN_KEY = "otel-measure-token";

  const pct = (v) => (v === null || v === undefined ? "n/a" : `${(v * 100).toFixed(1)}%`);
  const ms = (v) => (v === null || v === undefined ? "n/a" : v < 1 ? `${(v * 1000).toFixed(1)} ms` : `${v.toFixed(2)} s`);
  const usd = (v) => (v === null || v === undefined ? "n/a" : `$${v < 1 ? v.toFixed(4) : v.toFixed(2)}`);
  const num = (v, d) => (v === null || v === undefined ? "n/a" : Number(v).toLocaleString("en-US", { maximumFractionDigits: d ?? 1 }));
  const $ = (id) => document.getElementById(id);

  async function get(path) {
    const headers = {};
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(path, { headers, cache: "no-store" });
    if (res.status === 401) {
      const given = window.prompt("This server needs its API token (OTEL_MEASURE_API_TOKEN):");
      if (given) { sessionStorage.setItem(TOKEN_KEY, given); return get(path); }
    }
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return res.json();
  }

  async function optional(path) {
    try { return await get(path); } catch (e) { return null; }
  }

  // A stat tile; data-path (the JSON keys in the dashboard document) and data-value let a
  // test compare the figure shown with the JSON API.
  function stat(label, value, formatted, path) {
    const div = document.createElement("div");
    div.className = "stat";
    const v = document.createElement("span");
    v.className = "v";
    v.textContent = formatted;
    if (path) { v.dataset.path = JSON.stringify(path); v.dataset.value = value === null ? "null" : String(value); }
    const k = document.createElement("span");
    k.className = "k";
    k.textContent = label;
    div.append(v, k);
    return div;
  }

  function buckets(records, n) {
    if (!records.length) return [];
    const t0 = records[0].timestamp, t1 = records[records.length - 1].timestamp;
    const width = Math.max((t1 - t0) / n, 1e-6);
    const out = [];
    for (let i = 0; i < n; i++) out.push({ t: t0 + (i + 0.5) * width, rows: [] });
    for (const r of records) out[Math.min(n - 1, Math.floor((r.timestamp - t0) / width))].rows.push(r);
    return out;
  }

  function quantile(values, q) {
    if (!values.length) return null;
    const s = [...values].sort((a, b) => a - b);
    const pos = (s.length - 1) * q, lo = Math.floor(pos), hi = Math.ceil(pos);
    return s[lo] + (s[hi] - s[lo]) * (pos - lo);
  }

  function drawStats(d) {
    const box = $("stats");
    box.replaceChildren();
    const infra = d.infrastructure, models = d.models, an = d.analytics;
    if (infra && infra.snapshot) {
      box.append(stat("host CPU", infra.snapshot.cpu.utilization, pct(infra.snapshot.cpu.utilization)));
      box.append(stat("host memory", infra.snapshot.memory.utilization, pct(infra.snapshot.memory.utilization)));
      const r = infra.requests || {};
      box.append(stat("requests", r.total_requests, num(r.total_requests, 0), ["infrastructure", "requests", "total_requests"]));
    }
    if (models && models.cost) {
      box.append(stat("model calls", models.cost.requests, num(models.cost.requests, 0), ["models", "cost", "requests"]));
      box.append(stat("model cost", models.cost.total_usd, usd(models.cost.total_usd), ["models", "cost", "total_usd"]));
    }
    if (an) {
      box.append(stat("DAU", an.engagement.dau, num(an.engagement.dau, 0), ["analytics", "engagement", "dau"]));
      box.append(stat("NPS", an.nps.nps, num(an.nps.nps, 1), ["analytics", "nps", "nps"]));
      box.append(stat("revenue", an.revenue.total, usd(an.revenue.total), ["analytics", "revenue", "total"]));
    }
    const rejected = Object.values(d.rejected || {}).reduce((a, b) => a + b, 0);
    box.append(stat("rejected inputs", rejected, num(rejected, 0)));
  }

  function drawHost(history, infra) {
    let cpu = [], mem = [];
    if (history && history.timestamps.length) {
      cpu = history.timestamps.map((t, i) => [t, (history.series.cpu_utilization || [])[i] ?? null]);
      mem = history.timestamps.map((t, i) => [t, (history.series.memory_utilization || [])[i] ?? null]);
    } else if (infra && infra.snapshot) {
      cpu = [[infra.snapshot.timestamp, infra.snapshot.cpu.utilization]];
      mem = [[infra.snapshot.timestamp, infra.snapshot.memory.utilization]];
    }
    C.line($("chart-host"), [{ name: "CPU", points: cpu }, { name: "memory", points: mem }],
           { format: pct, yMax: 1 });
  }

  function drawRequests(infra) {
    const r = (infra && infra.requests) || {};
    const items = ["p50_s", "p95_s", "p99_s", "max_s"].map((k) => ({ label: k.replace("_s", ""), value: r[k] }));
    C.bars($("chart-requests"), items, { format: ms, emptyText: "no tracked request yet" });
  }

  function drawModels(models, recent) {
    const tbody = document.querySelector("#models-table tbody");
    tbody.replaceChildren();
    const snaps = (models && models.models) || {};
    for (const [name, s] of Object.entries(snaps)) {
      const tr = document.createElement("tr");
      const cells = [name, s.status, num(s.latency.total_calls, 0), ms(s.latency.p50_s),
                     ms(s.latency.p95_s), pct(s.latency.error_rate), usd(s.cost.total_usd)];
      const paths = [null, null, "total_calls", "p50_s", "p95_s", "error_rate", null];
      cells.forEach((c, i) => {
        const td = document.createElement("td");
        td.textContent = c;
        if (paths[i]) {
          td.dataset.path = JSON.stringify(["models", "models", name, "latency", paths[i]]);
          td.dataset.value = String(s.latency[paths[i]]);
        }
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    }
    const byModel = {};
    for (const r of recent || []) (byModel[r.model] = byModel[r.model] || []).push(r);
    const calls = [], p95 = [], errors = [], cost = [];
    for (const [name, rows] of Object.entries(byModel)) {
      const bs = buckets(rows, 12);
      calls.push({ name, points: bs.map((b) => [b.t, b.rows.length]) });
      p95.push({ name, points: bs.map((b) => [b.t, quantile(b.rows.map((r) => r.latency_s), 0.95)]) });
      errors.push({ name, points: bs.map((b) => [b.t, b.rows.length ? b.rows.filter((r) => r.error_type).length / b.rows.length : null]) });
      let sum = 0;
      cost.push({ name, points: rows.map((r) => [r.timestamp, (sum += r.cost_usd || 0)]) });
    }
    C.line($("chart-model-calls"), calls, { format: (v) => num(v, 0), emptyText: "no model call yet" });
    C.line($("chart-model-p95"), p95, { format: ms, emptyText: "no model call yet" });
    C.line($("chart-model-errors"), errors, { format: pct, emptyText: "no model call yet" });
    C.line($("chart-model-cost"), cost.filter((s) => s.points.some((p) => p[1] > 0)),
           { format: usd, emptyText: "no priced call yet" });

    const quality = [], drift = [], fairness = [];
    for (const [name, s] of Object.entries(snaps)) {
      for (const [kind, q] of Object.entries(s.quality || {})) {
        if (!q) continue;
        for (const key of ["accuracy", "f1", "score"]) {
          if (typeof q[key] === "number") {
            quality.push({ label: key === kind ? `${name} ${kind}` : `${name} ${kind} ${key}`, value: q[key] });
          }
        }
      }
      for (const [feature, f] of Object.entries((s.drift && s.drift.features) || {})) {
        const r = f.result;
        if (!r) continue;
        // Tests drift when p falls below the threshold, distances when they reach it: both
        // become a ratio that crosses 1 at the threshold (capped at 3 for the axis).
        const usesP = r.p_value !== null && r.p_value !== undefined;
        const value = usesP ? r.p_value : r.statistic;
        const ratio = usesP ? r.threshold / Math.max(value, 1e-12) : value / r.threshold;
        drift.push({ label: `${name} ${feature}`, value: Math.min(ratio, 3),
                     color: r.drifted ? "#dc2626" : "#16a34a",
                     note: `${usesP ? "p" : "d"}=${num(value, 3)}${r.drifted ? " drift" : ""}` });
      }
      const online = s.fairness && (s.fairness.online || s.fairness.batch);
      for (const g of (online && online.groups) || []) {
        fairness.push({ label: `${name} ${g.group}`, value: g.disparate_impact,
                        color: g.disparate_impact < 0.8 ? "#dc2626" : "#16a34a" });
      }
    }
    C.bars($("chart-quality"), quality, { format: (v) => num(v, 3), max: 1, emptyText: "no quality figure yet" });
    // Each feature against its own threshold: the bar is the score relative to its threshold.
    C.bars($("chart-drift"), drift, { ref: { value: 1, label: "threshold" }, max: 3,
                                     emptyText: "no drift check yet" });
    C.bars($("chart-fairness"), fairness, { format: (v) => num(v, 2), ref: { value: 0.8, label: "4/5" },
                                           max: Math.max(1, ...fairness.map((f) => f.value || 0)),
                                           emptyText: "no outcome yet" });
  }

  function drawAnalytics(an, funnel, rejected) {
    if (an) {
      const e = an.engagement;
      C.bars($("chart-engagement"), [{ label: "DAU", value: e.dau }, { label: "WAU", value: e.wau },
                                     { label: "MAU", value: e.mau }], { format: (v) => num(v, 0) });
      const ret = an.retention || {};
      C.line($("chart-retention"), [{ name: `${ret.period || "day"} average`, points: (ret.average || []).map((v, i) => [i, v]) }],
             { format: pct, yMax: 1, xFormat: (x) => `${ret.period || "day"} ${x}`,
               xDomain: [0, Math.max(1, (ret.average || []).length - 1)] });
      const n = an.nps;
      C.intervals($("chart-nps"), [{ label: `NPS (n=${n.n})`, value: n.nps, lo: n.ci_low, hi: n.ci_high,
                                     note: `${num(n.nps, 1)} [${num(n.ci_low, 1)}, ${num(n.ci_high, 1)}]` }],
                  { domain: [-100, 100], format: (v) => num(v, 0), emptyText: "no NPS answer yet" });
      const lifts = [];
      for (const [test, t] of Object.entries(an.experiments || {})) {
        for (const [variant, c] of Object.entries(t.comparisons || {})) {
          const ci = c.relative_lift_ci || [null, null];
          lifts.push({ label: `${test}: ${variant}`, value: c.relative_lift, lo: ci[0], hi: ci[1],
                       color: /wins|winner|significant/.test(c.verdict || "") ? "#16a34a" : "#2563eb",
                       note: `${pct(c.relative_lift)} · ${c.verdict}` });
        }
      }
      C.intervals($("chart-ab"), lifts, { format: pct, emptyText: "no A/B test yet" });
    }
    $("funnel-steps").textContent = funnelSteps.length ? funnelSteps.join(" → ") : "(add ?funnel=a,b,c to the URL)";
    C.bars($("chart-funnel"), ((funnel && funnel.steps) || []).map((s) => ({ label: s.name, value: s.users })),
           { format: (v) => num(v, 0), emptyText: funnelSteps.length ? "no event yet" : "no funnel steps chosen" });
    C.bars($("chart-rejected"), Object.entries(rejected || {}).map(([k, v]) => ({ label: k, value: v, color: "#d97706" })),
           { format: (v) => num(v, 0), emptyText: "no rejected input" });
  }

  async function refresh() {
    try {
      const funnelPath = funnelSteps.length ? `${API}/analytics/funnel?steps=${encodeURIComponent(funnelSteps.join(","))}` : null;
      const [d, history, recent, funnel] = await Promise.all([
        get(`${API}/dashboard`), optional(`${API}/infrastructure/history`),
        optional(`${API}/models/recent?limit=2000`), funnelPath ? optional(funnelPath) : null]);
      $("service").textContent = d.service.name || "";
      const status = (d.infrastructure && d.infrastructure.status) || "unknown";
      $("status").textContent = `host ${status}`;
      $("status").className = `badge ${status}`;
      drawStats(d);
      drawHost(history, d.infrastructure);
      drawRequests(d.infrastructure);
      drawModels(d.models, recent);
      drawAnalytics(d.analytics, funnel, d.rejected);
      $("updated").textContent = new Date().toLocaleTimeString();
      $("error").hidden = true;
      document.body.dataset.loaded = String(Number(document.body.dataset.loaded || 0) + 1);
    } catch (err) {
      $("error").textContent = `could not refresh: ${err.message}`;
      $("error").hidden = false;
    }
  }

  let resizing = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(refresh, 250);
  });
  $("every").textContent = String(refreshS);
  refresh();
  setInterval(refresh, refreshS * 1000);
})();
