// Optimize view: the planner as a job (POST /api/optimize, progress by SSE or polling, Cancel);
// the plan's purchases, builds, served share, binding constraints and marginal values, and charts.

import { h, replace, table, section, empty } from "./dom.js";
import { money, num, pct, compact, seconds, mw, text } from "./fmt.js";
import { chartGrid } from "./charts.js";
import { scenario, results, setScenario } from "./state.js";
import { viewHead, needScenario, cards, distinct, coverageClass, tabs, findings } from "./common.js";
import { wireJob, jobOutcome } from "./jobs.js";

export const title = "Optimize";

/** Renders the settings form, the job panel and the last plan. */
export async function render(page) {
  const objective = h("select", { testid: "opt-objective", "aria-label": "Objective" },
    h("option", { value: "" }, "scenario's objective"),
    ["min-tco", "max-served", "max-training", "max-margin"].map((o) => h("option", { value: o }, o)));
  const timeLimit = h("input", { type: "number", min: "1", max: "120", step: "1", value: "30", testid: "opt-time-limit", class: "narrow" });
  const gap = h("input", { type: "number", min: "0", max: "0.5", step: "0.001", value: "0.005", testid: "opt-gap", class: "narrow" });
  const path = h("select", { testid: "opt-path" }, ["auto", "exact", "relaxation"].map((p) => h("option", { value: p }, p)));
  const run = h("button", { class: "btn primary", type: "button", testid: "run-optimize" }, "Optimize");
  const jobHost = h("div", { testid: "optimize-job" });
  const out = h("div", { testid: "optimize-result" });
  const has = await needScenario();
  page.append(viewHead("Optimize the plan", "What to buy or lease, where and when (MILP), checked by the evaluator. Runs as a job on the server; you can cancel it.", run),
    h("div", { class: "toolbar settings" },
      h("label", { class: "field" }, h("span", {}, "Objective"), objective),
      h("label", { class: "field" }, h("span", {}, "Time limit (s)"), timeLimit),
      h("label", { class: "field" }, h("span", {}, "MIP gap"), gap),
      h("label", { class: "field" }, h("span", {}, "Path"), path)),
    jobHost, out);
  if (!has) {
    run.disabled = true;
    out.append(empty("Load a scenario in the editor first."));
    return;
  }
  wireJob("optimize", run, () => {
    const settings = { time_limit_s: Number(timeLimit.value) || 30, gap: Number(gap.value), path: path.value };
    if (objective.value) settings.objective = objective.value;
    return settings;
  }, jobHost, out, show);
  if (results.optimize) {
    if (results.optimize.version !== scenario.version) out.append(h("p", { class: "note warn-text" }, "The scenario changed since this plan was made: run it again."));
    show(out, results.optimize.job, true);
  } else {
    out.append(empty("Press Optimize to plan this scenario.", "optimize-idle"));
  }
}

function show(out, job, append = false) {
  const bad = jobOutcome(job);
  if (bad) {
    if (!append) replace(out, bad);
    else out.append(bad);
    return;
  }
  const p = job.result || {};
  const cur = p.currency || "USD";
  const s = p.solver || {};
  const expl = p.explanations || [];
  const marginal = expl.filter((e) => /would (save|cost|add|gain|earn)|marginal|per (additional|extra)/i.test(e));
  const binding = expl.filter((e) => !marginal.includes(e));
  const nodes = [
    h("div", { class: "result-title" }, h("h2", {}, p.feasible === false ? "Infeasible as written" : "Plan"),
      h("span", { class: "muted" }, `objective ${p.objective || "–"} · ${s.backend || "solver"} ${s.status || ""} · ${seconds(s.total_s)}`)),
    cards([
      { label: "Feasible", value: p.feasible === false ? "no" : "yes", sub: p.feasible === false ? "the plan below is for the relaxed scenario" : `gap ≤ ${pct(s.gap_bound ?? s.mip_gap, 2)}`, tone: p.feasible === false ? "bad" : "good", testid: "card-feasible" },
      { label: "Spend over the horizon", value: money(p.spend_total, cur), sub: `economic cost ${money(p.economic_cost, cur)}`, testid: "card-plan-spend" },
      { label: "Demand served", value: pct(p.coverage), sub: `revenue ${money(p.revenue, cur)}`, tone: p.coverage < 0.999 ? "warn" : "good", testid: "card-served" },
      { label: "Accelerators (peak use)", value: compact(p.accelerators_peak), sub: `average ${compact(p.accelerators_average)} in use`, testid: "card-plan-accelerators" },
      { label: "Purchases", value: num((p.purchases || []).length), sub: `${(p.builds || []).length} site builds`, testid: "card-purchases" },
    ]),
  ];
  if (typeof job.plan_toml === "string") {
    // The plan as a scenario file (optimize --out's plan.toml): the other views then run on
    // the planned fleet (evaluate it, simulate its serving, sweep its inputs).
    const open = h("button", { class: "btn", type: "button", testid: "open-plan" }, "Use this plan as the scenario →");
    open.addEventListener("click", () => {
      const base = (scenario.name || "scenario.toml").replace(/\.toml$/, "");
      setScenario(`${base}-plan.toml`, job.plan_toml, { original: job.plan_toml });
      location.hash = "#/evaluate";
    });
    nodes.push(h("div", { class: "toolbar" }, open,
      h("span", { class: "muted" }, "Opens the planned fleet in the editor (the plan.toml of optimize --out), so Evaluate, Simulate and Sweep run on it.")));
  }
  if (p.feasible === false && (p.relaxation || []).length) nodes.push(section("Smallest relaxation that makes it feasible", null, h("ul", { class: "notes" }, p.relaxation.map((r) => h("li", {}, String(r))))));
  nodes.push(section("Charts", null, chartGrid(job.charts, "optimize-charts")));
  nodes.push(section("Plan details", null, tabs([
    { id: "purchases", label: `Purchases (${(p.purchases || []).length})`, render: () => purchases(p, cur) },
    { id: "builds", label: `Builds (${(p.builds || []).length})`, render: () => builds(p) },
    { id: "served", label: "Served share", render: () => served(p) },
    { id: "binding", label: `Binding constraints (${binding.length})`, render: () => notes(binding, "binding-list", "No binding constraints reported.") },
    { id: "marginal", label: `Marginal values (${marginal.length})`, render: () => notes(marginal, "marginal-list", "No marginal values (the planner skips them when asked to).") },
    { id: "quarters", label: "Per quarter", render: () => quarters(p, cur) },
    { id: "training", label: "Training", render: () => training(p) },
  ], "optimize-tabs")));
  if ((p.repairs || []).length) nodes.push(section("Repairs after rounding", null, notes(p.repairs, "repairs-list", "")));
  nodes.push(section(`Advisories (${(p.advisories || []).length})`, null, findings(p.advisories || [], "plan-advisories", "No advisories.")));
  if (append) out.append(...nodes);
  else replace(out, ...nodes);
}

function notes(list, testid, emptyText) {
  if (!list.length) return empty(emptyText);
  return h("ul", { class: "notes", testid }, list.map((n) => h("li", {}, String(n))));
}

function purchases(p, cur) {
  const rows = (p.purchases || []).slice().sort((a, b) => String(a.from).localeCompare(String(b.from)) || (b.cost || 0) - (a.cost || 0));
  if (!rows.length) return empty("Nothing to buy or lease.");
  return table([
    { label: "From", value: (x) => x.from },
    { label: "Until", value: (x) => x.until, format: text },
    { label: "Option", value: (x) => x.option },
    { label: "Hardware", value: (x) => x.hardware },
    { label: "Site", value: (x) => x.site },
    { label: "Mode", value: (x) => x.mode },
    { label: "Units", num: true, value: (x) => x.units, format: (v) => num(v) },
    { label: "Accelerators", num: true, value: (x) => x.accelerators, format: (v) => num(v) },
    { label: "Cost", num: true, value: (x) => x.cost, format: (v) => money(v, cur) },
  ], rows, { testid: "purchases-table" });
}

function builds(p) {
  const rows = (p.builds || []).map((b) => (Array.isArray(b) ? { site: b[0], quarter: b[1], mw: b[2] } : b));
  if (!rows.length) return empty("No new data-centre capacity is built.");
  return table([
    { label: "Site", value: (b) => b.site },
    { label: "Quarter", value: (b) => b.quarter },
    { label: "New capacity", num: true, value: (b) => b.mw, format: mw },
  ], rows, { testid: "builds-table" });
}

function served(p) {
  const rows = p.served || [];
  const qs = distinct(rows.map((r) => r.quarter));
  const names = distinct(rows.map((r) => r.workload));
  const at = new Map(rows.map((r) => [`${r.workload}|${r.quarter}`, r]));
  return h("div", {}, h("p", { class: "note" }, "Share of each workload's peak demand the plan serves, per quarter (the evaluator's figure when it differs is in the tooltip)."),
    table([{ label: "Workload", value: (n) => n }, ...qs.map((q) => ({
      label: q, num: true, value: (n) => (at.get(`${n}|${q}`) || {}).served,
      format: (v, n) => {
        const r = at.get(`${n}|${q}`);
        const cell = h("span", { title: r && r.evaluated !== undefined ? `evaluated: ${pct(r.evaluated)}` : null }, v === undefined ? "–" : pct(v, 0));
        return cell;
      },
      cls: coverageClass,
    }))], names, { testid: "served-table", compact: true }));
}

function quarters(p, cur) {
  const spend = new Map((p.spend_by_quarter || []).map(([q, v]) => [q, v]));
  const valley = p.valley_by_quarter || [];
  const qs = valley.length ? valley.map((v) => v.quarter) : Array.from(spend.keys());
  const vq = new Map(valley.map((v) => [v.quarter, v]));
  return table([
    { label: "Quarter", value: (q) => q },
    { label: "Spend", num: true, value: (q) => spend.get(q), format: (v) => money(v, cur) },
    { label: "Held", num: true, value: (q) => (vq.get(q) || {}).accelerators_held, format: (v) => num(v) },
    { label: "Peak use", num: true, value: (q) => (vq.get(q) || {}).accelerators_peak, format: (v) => num(v) },
    { label: "Idle share", num: true, value: (q) => (p.idle_share_by_quarter || [])[qs.indexOf(q)], format: (v) => pct(v) },
    { label: "Inference cost / day", num: true, value: (q) => (vq.get(q) || {}).inference_cost_per_day, format: (v) => money(v, cur) },
  ], qs, { testid: "plan-quarter-table" });
}

function training(p) {
  const rows = p.training || [];
  if (!rows.length) return empty("No training runs placed.");
  return table([
    { label: "Run", value: (t) => t.workload },
    { label: "Site", value: (t) => t.site },
    { label: "Chip", value: (t) => t.chip },
    { label: "Chips", num: true, value: (t) => t.chips, format: (v) => num(v) },
  ], rows, { testid: "plan-training-table" });
}
