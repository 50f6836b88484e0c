// Evaluate view: POST /api/evaluate on the editor's scenario; summary cards (spend vs budget,
// accelerators, idle share, coverage, violations), the charts, tables per quarter, workload,
// coverage, idle capacity, cost and training, and the violations with their fixes.

import { postWithRetry } from "./api.js";
import { h, replace, table, section, errorBox, empty } from "./dom.js";
import { money, num, pct, mw, compact, text } from "./fmt.js";
import { chartGrid } from "./charts.js";
import { scenario, scenarioBody, results } from "./state.js";
import { viewHead, needScenario, cards, quarterSelect, distinct, coverageClass, tabs, findings } from "./common.js";

export const title = "Evaluate";

/** Renders the view; runs the evaluation when the scenario changed since the last one. */
export async function render(page) {
  const run = h("button", { class: "btn primary", type: "button", testid: "run-evaluate" }, "Evaluate");
  const out = h("div", { testid: "evaluate-result" });
  const has = await needScenario();
  page.append(viewHead("Evaluate the fleet", "Cost, capacity, coverage, idle capacity and compliance of the scenario's [[fleet]], quarter by quarter.", run), out);
  if (!has) {
    out.append(empty("Load a scenario in the editor first."));
    run.disabled = true;
    return;
  }
  const go = async () => {
    run.disabled = true;
    replace(out, h("div", { class: "loading", testid: "loading" }, "Evaluating…"));
    const version = scenario.version;
    try {
      const data = await postWithRetry("/api/evaluate", scenarioBody(), { onWait: (s) => replace(out, h("div", { class: "loading" }, `Server busy: retrying in ${s} s…`)) });
      results.evaluate = { version, data };
      show(out, data);
    } catch (e) {
      replace(out, errorBox(e, go));
    } finally {
      run.disabled = false;
    }
  };
  run.addEventListener("click", go);
  if (results.evaluate && results.evaluate.version === scenario.version) show(out, results.evaluate.data);
  else go();
}

function show(out, data) {
  const r = data.result || {};
  const cur = r.currency || "USD";
  const quarters = r.quarters || [];
  const last = quarters[quarters.length - 1] || {};
  const spend = r.spend || {};
  const acc = quarters.reduce((s, q) => s + (q.accelerators || 0), 0);
  const idle = quarters.reduce((s, q) => s + (q.idle_accelerators || 0), 0);
  const idleCost = quarters.reduce((s, q) => s + (q.idle_cost || 0), 0);
  const peakAcc = Math.max(0, ...quarters.map((q) => q.accelerators || 0));
  const wl = r.workloads || [];
  const lastQ = last.quarter;
  const lastW = wl.filter((w) => w.quarter === lastQ);
  const minCov = lastW.length ? Math.min(...lastW.map((w) => w.coverage_daily ?? 1)) : null;
  const violations = r.violations || [];
  const spendShare = spend.budget ? spend.total / spend.budget : null;

  replace(out,
    h("div", { class: "result-title" }, h("h2", {}, r.scenario || scenario.name), h("span", { class: "muted" }, `${quarters.length} quarters · ${cur}${r.capacity ? ` · ${r.capacity} capacity` : ""}`)),
    cards([
      { label: "Spend vs budget", value: money(spend.total, cur), sub: `of ${money(spend.budget, cur)} budget (${pct(spendShare)})`, meter: spendShare, tone: spendShare > 1 ? "bad" : "", testid: "card-spend" },
      { label: `Accelerators (${lastQ || "last quarter"})`, value: compact(last.accelerators), sub: `peak ${compact(peakAcc)} · ${mw(last.it_mw)} IT of ${mw(last.available_mw)}`, testid: "card-accelerators" },
      { label: "Idle share (all quarters)", value: pct(acc ? idle / acc : null), sub: `${money(idleCost, cur)} of idle capacity`, tone: acc && idle / acc > 0.2 ? "warn" : "", testid: "card-idle" },
      { label: `Lowest daily coverage (${lastQ || "–"})`, value: pct(minCov), sub: `${lastW.length} workloads`, tone: minCov !== null && minCov < 0.999 ? (minCov < 0.9 ? "bad" : "warn") : "good", testid: "card-coverage" },
      { label: "Violations", value: num(violations.length), sub: `${(r.advisories || []).length} advisor${(r.advisories || []).length === 1 ? "y" : "ies"}`, tone: violations.length ? "bad" : "good", testid: "card-violations" },
    ]),
    section("Charts", null, chartGrid(data.charts, "evaluate-charts")),
    section("Details", null, tabs([
      { id: "quarters", label: "Per quarter", render: () => quarterTable(r, cur) },
      { id: "workloads", label: "Per workload", render: () => workloadTable(r, cur) },
      { id: "coverage", label: "Coverage", render: () => coverageMatrix(r) },
      { id: "idle", label: "Idle capacity", render: () => idleTable(r, cur) },
      { id: "cost", label: "Cost", render: () => costTables(r, cur) },
      { id: "training", label: "Training", render: () => trainingTable(r) },
    ], "evaluate-tabs")),
    section(`Violations (${violations.length})`, "What the fleet breaks, with the change that would fix it.", findings(violations, "violations", "No violations: the fleet meets every rule, budget and deadline.")),
    section(`Advisories (${(r.advisories || []).length})`, null, findings(r.advisories || [], "advisories", "No advisories.")),
  );
}

function quarterTable(r, cur) {
  return table([
    { label: "Quarter", value: (q) => q.quarter },
    { label: "Accelerators", num: true, value: (q) => q.accelerators, format: (v) => num(v) },
    { label: "Idle (peak hour)", num: true, value: (q) => q.idle_accelerators, format: (v) => num(v) },
    { label: "Idle share", num: true, value: (q) => q.idle_share, format: (v) => pct(v), cls: (v) => (v > 0.2 ? "warn-text" : "") },
    { label: `Idle cost (${cur})`, num: true, value: (q) => q.idle_cost, format: (v) => money(v, cur) },
    { label: "IT power", num: true, value: (q) => q.it_mw, format: mw },
    { label: "Available", num: true, value: (q) => q.available_mw, format: mw },
    { label: `Spend (${cur})`, num: true, value: (q) => q.spend, format: (v) => money(v, cur) },
  ], r.quarters || [], { testid: "quarter-table" });
}

function workloadTable(r, cur) {
  const wl = r.workloads || [];
  const quarters = distinct(wl.map((w) => w.quarter));
  const host = h("div", {});
  const paint = (q) => replace(host, table([
    { label: "Workload", value: (w) => w.workload },
    { label: "Kind", value: (w) => w.kind },
    { label: "Peak demand", num: true, value: (w) => w.demand_peak_per_s, format: (v, w) => `${compact(v)} ${w.unit}` },
    { label: "Capacity", num: true, value: (w) => w.capacity_per_s, format: (v, w) => `${compact(v)} ${w.unit}` },
    { label: "Coverage (peak)", num: true, value: (w) => w.coverage_peak, format: (v) => pct(v), cls: coverageClass },
    { label: "Coverage (day)", num: true, value: (w) => w.coverage_daily, format: (v) => pct(v), cls: coverageClass },
    { label: "Accelerators", num: true, value: (w) => w.accelerators, format: (v) => num(v) },
    { label: "Best chip", value: (w) => w.best_chip, format: text },
    { label: "Unit cost", num: true, value: (w) => w.cost_per_million_output_tokens ?? w.cost_per_item, format: (v, w) => (v === null || v === undefined ? "–" : `${money(v, cur)} / ${w.cost_per_million_output_tokens !== null && w.cost_per_million_output_tokens !== undefined ? "M tokens" : "item"}`) },
    { label: `Cost / day`, num: true, value: (w) => w.cost_per_day, format: (v) => money(v, cur) },
    { label: `Margin / day`, num: true, value: (w) => w.margin_per_day, format: (v) => money(v, cur), cls: (v) => (v < 0 ? "bad-text" : "") },
  ], wl.filter((w) => w.quarter === q), { testid: "workload-table" }));
  paint(quarters[quarters.length - 1]);
  return h("div", {}, h("div", { class: "toolbar" }, quarterSelect(quarters, paint)), host);
}

function coverageMatrix(r) {
  const wl = r.workloads || [];
  const quarters = distinct(wl.map((w) => w.quarter));
  const names = distinct(wl.map((w) => w.workload));
  const at = new Map(wl.map((w) => [`${w.workload}|${w.quarter}`, w]));
  return h("div", {}, h("p", { class: "note" }, "Share of each day's demand served, per workload and quarter (green: all of it; amber: 90 % or more; red: less)."),
    table([{ label: "Workload", value: (n) => n }, ...quarters.map((q) => ({
      label: q, num: true, value: (n) => (at.get(`${n}|${q}`) || {}).coverage_daily, format: (v) => (v === undefined ? "–" : pct(v, 0)), cls: coverageClass,
    }))], names, { testid: "coverage-table", compact: true }));
}

function idleTable(r, cur) {
  const rows = (r.idle || []).filter((x) => x.idle_accelerators > 0).sort((a, b) => (b.idle_cost || 0) - (a.idle_cost || 0));
  if (!rows.length) return empty("No idle accelerators at the peak hour in any quarter.", "idle-empty");
  return h("div", {}, h("p", { class: "note" }, "Accelerators held but neither serving at the peak hour nor training, most expensive first."),
    table([
      { label: "Quarter", value: (x) => x.quarter },
      { label: "Site", value: (x) => x.site },
      { label: "Chip", value: (x) => x.chip },
      { label: "Held", num: true, value: (x) => x.accelerators, format: (v) => num(v) },
      { label: "Training", num: true, value: (x) => x.training_accelerators, format: (v) => num(v) },
      { label: "Serving", num: true, value: (x) => x.serving_accelerators, format: (v) => num(v) },
      { label: "Idle", num: true, value: (x) => x.idle_accelerators, format: (v) => num(v) },
      { label: "Idle share", num: true, value: (x) => x.idle_share, format: (v) => pct(v), cls: (v) => (v > 0.2 ? "warn-text" : "") },
      { label: `Idle cost`, num: true, value: (x) => x.idle_cost, format: (v) => money(v, cur) },
    ], rows, { testid: "idle-table" }));
}

function costTables(r, cur) {
  const s = r.spend || {};
  const cats = ["accelerators", "servers", "network", "storage", "buildings", "electricity", "maintenance", "leases"];
  const byQ = s.by_quarter || [];
  const used = cats.filter((c) => byQ.some((q) => q[c]));
  return h("div", {},
    h("h3", {}, "Spend by quarter and category"),
    table([{ label: "Quarter", value: (q) => q.quarter }, ...used.map((c) => ({ label: c[0].toUpperCase() + c.slice(1), num: true, value: (q) => q[c], format: (v) => money(v, cur) })),
      { label: "Total", num: true, value: (q) => used.reduce((t, c) => t + (q[c] || 0), 0), format: (v) => money(v, cur), cls: () => "strong" }], byQ, { testid: "spend-table" }),
    h("div", { class: "two-col" },
      h("div", {}, h("h3", {}, "Spend by site"), table([{ label: "Site", value: (x) => x.site }, { label: "Amount", num: true, value: (x) => x.amount, format: (v) => money(v, cur) }], s.by_site || [])),
      h("div", {}, h("h3", {}, "Budget groups"), (s.groups || []).length ? table([
        { label: "Group", value: (g) => g.group },
        { label: "Amount", num: true, value: (g) => g.amount, format: (v) => money(v, cur) },
        { label: "Share", num: true, value: (g) => g.share, format: (v) => pct(v) },
        { label: "Target", num: true, value: (g) => g.target, format: (v) => pct(v) },
        { label: "Within limits", value: (g) => (g.ok ? "yes" : "no"), cls: (v) => (v === "no" ? "bad-text" : "") },
      ], s.groups) : empty("No budget groups."))),
    h("h3", {}, "Per year"),
    table([
      { label: "Year", value: (y) => y.year },
      { label: "Depreciation", num: true, value: (y) => y.depreciation, format: (v) => money(v, cur) },
      { label: "Electricity", num: true, value: (y) => y.electricity, format: (v) => money(v, cur) },
      { label: "Maintenance", num: true, value: (y) => y.maintenance, format: (v) => money(v, cur) },
      { label: "Leases", num: true, value: (y) => y.leases, format: (v) => money(v, cur) },
      { label: "Build capex", num: true, value: (y) => y.build_capex, format: (v) => money(v, cur) },
      { label: "Energy", num: true, value: (y) => y.energy_mwh, format: (v) => `${compact(v)} MWh` },
      { label: "Emissions", num: true, value: (y) => y.tco2, format: (v) => `${compact(v)} tCO₂` },
    ], r.yearly || []));
}

function trainingTable(r) {
  const rows = r.training || [];
  if (!rows.length) return empty("No training workloads.");
  return table([
    { label: "Run", value: (t) => t.workload },
    { label: "Site", value: (t) => t.site },
    { label: "Chip", value: (t) => t.chip },
    { label: "Precision", value: (t) => t.precision },
    { label: "Tokens/s per chip", num: true, value: (t) => t.tokens_per_s_per_chip, format: (v) => num(v) },
    { label: "MFU", num: true, value: (t) => t.mfu, format: (v) => pct(v) },
    { label: "Chips needed", num: true, value: (t) => t.chips_needed, format: (v) => num(v) },
    { label: "Completion", value: (t) => t.completion, format: text },
    { label: "Deadline", value: (t) => t.deadline, format: text },
    { label: "On time", value: (t) => (t.meets_deadline ? "yes" : "no"), cls: (v) => (v === "no" ? "bad-text" : "good-text") },
  ], rows, { testid: "training-table" });
}
