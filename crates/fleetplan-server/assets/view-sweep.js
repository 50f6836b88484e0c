// Sweep view: Monte Carlo over the uncertain inputs as a job (POST /api/sweep): spreads of the
// outputs (p5/p50/p95), probabilities of missing demand or an SLO, the tornado of the inputs
// that move an output most, and the charts (distributions, tornado) when the server sends them.

import { h, replace, table, section, empty } from "./dom.js";
import { money, num, pct } from "./fmt.js";
import { chartGrid } from "./charts.js";
import { scenario, results } from "./state.js";
import { viewHead, needScenario, cards } from "./common.js";
import { wireJob, jobOutcome } from "./jobs.js";

export const title = "Sweep";

/** Renders the settings, the job panel and the last sweep. */
export async function render(page) {
  const has = await needScenario();
  const samples = h("input", { type: "number", min: "10", max: "100000", step: "10", value: "200", testid: "sweep-samples", class: "narrow" });
  const seed = h("input", { type: "number", min: "0", step: "1", value: "0", testid: "sweep-seed", class: "narrow" });
  const mode = h("select", { testid: "sweep-mode" }, h("option", { value: "evaluate" }, "evaluate the fleet"), h("option", { value: "optimize" }, "plan each world"));
  const run = h("button", { class: "btn primary", type: "button", testid: "run-sweep" }, "Run sweep");
  const jobHost = h("div", { testid: "sweep-job" });
  const out = h("div", { testid: "sweep-result" });
  page.append(viewHead("Sweep the uncertainty", "Monte Carlo over the scenario's uncertain inputs (prices, demand, performance, availability): how wide each result is and which inputs drive it.", run),
    h("div", { class: "toolbar settings" },
      h("label", { class: "field" }, h("span", {}, "Samples"), samples),
      h("label", { class: "field" }, h("span", {}, "Seed"), seed),
      h("label", { class: "field" }, h("span", {}, "Mode"), mode)),
    jobHost, out);
  if (!has) {
    run.disabled = true;
    out.append(empty("Load a scenario in the editor first."));
    return;
  }
  wireJob("sweep", run, () => ({ samples: Number(samples.value) || 200, seed: Number(seed.value) || 0, mode: mode.value }), jobHost, out, show);
  if (results.sweep) show(out, results.sweep.job);
  else out.append(empty("Press Run sweep to sample the uncertain inputs.", "sweep-idle"));
}

function formatter(name, cur) {
  if (/^(spend|tco|cost|revenue|margin|capex|opex)/.test(name)) return (v) => money(v, cur);
  if (/^(coverage|idle_share|share|slo)/.test(name)) return (v) => pct(v);
  return (v) => num(v, Math.abs(v) < 10 ? 3 : 0);
}

function show(out, job) {
  const bad = jobOutcome(job);
  if (bad) return replace(out, bad);
  const r = job.result || {};
  const cur = r.currency || "USD";
  const outputs = r.outputs || [];
  const spend = outputs.find((o) => o.name === "spend_total");
  const miss = Object.entries(r.probability_miss_demand || {});
  const worstMiss = miss.reduce((m, [, p]) => Math.max(m, p), 0);
  const t = r.tornado || {};
  const filter = h("input", { type: "search", placeholder: "filter outputs (e.g. spend, coverage.cici)", testid: "sweep-filter", class: "medium" });
  const outHost = h("div", {});
  const paintOutputs = () => {
    const q = filter.value.trim().toLowerCase();
    const rows = outputs.filter((o) => !q || o.name.toLowerCase().includes(q));
    replace(outHost, table([
      { label: "Output", value: (o) => o.name },
      ...["nominal", "p5", "p50", "p95", "mean"].map((k) => ({ label: k, num: true, value: (o) => o[k], format: (v, o) => formatter(o.name, cur)(v) })),
      { label: "Spread (p95−p5)", num: true, value: (o) => o.p95 - o.p5, format: (v, o) => formatter(o.name, cur)(v) },
    ], rows.slice(0, 200), { testid: "sweep-outputs" }), rows.length > 200 ? h("p", { class: "note" }, `${rows.length - 200} more: narrow the filter.`) : null);
  };
  filter.addEventListener("input", paintOutputs);
  paintOutputs();
  replace(out,
    h("div", { class: "result-title" }, h("h2", {}, r.scenario || scenario.name), h("span", { class: "muted" }, `${num(r.samples)} samples · seed ${r.seed} · mode ${r.mode}`)),
    cards([
      { label: "Spend (median)", value: spend ? money(spend.p50, cur) : "–", sub: spend ? `90 % range ${money(spend.p5, cur)} – ${money(spend.p95, cur)}; nominal ${money(spend.nominal, cur)}` : "", testid: "card-sweep-spend" },
      { label: "Worst chance of missing demand", value: pct(worstMiss), sub: `${miss.length} workloads`, tone: worstMiss > 0.2 ? "bad" : worstMiss > 0.05 ? "warn" : "good", testid: "card-miss" },
      { label: "Chance of a policy violation", value: pct(r.probability_policy_violation), tone: r.probability_policy_violation > 0 ? "warn" : "good", testid: "card-policy" },
      { label: "Uncertain inputs", value: num((r.inputs || []).length), sub: "sampled by Latin hypercube", testid: "card-inputs" },
    ]),
    section("Charts", null, chartGrid(job.charts, "sweep-charts")),
    section(`Tornado: what moves ${t.output || "the output"}`, `Each input swung between its low and high value, the others at nominal (nominal ${formatter(t.output || "", cur)(t.nominal)}).`,
      (t.bars || []).length ? table([
        { label: "Input", value: (b) => b.input },
        { label: "Low → high", value: (b) => `${num(b.input_low, 4)} → ${num(b.input_high, 4)}` },
        { label: "Output at low", num: true, value: (b) => b.output_at_low, format: (v) => formatter(t.output || "", cur)(v) },
        { label: "Output at high", num: true, value: (b) => b.output_at_high, format: (v) => formatter(t.output || "", cur)(v) },
        { label: "Swing", num: true, value: (b) => b.swing, format: (v) => formatter(t.output || "", cur)(v) },
      ], t.bars.slice(0, 15), { testid: "tornado-table" }) : empty("No tornado for this sweep.")),
    section("Probability of missing demand", null, miss.length ? table([
      { label: "Workload", value: ([w]) => w },
      { label: "Miss demand", num: true, value: ([, p]) => p, format: (v) => pct(v), cls: (v) => (v > 0.2 ? "bad-text" : v > 0.05 ? "warn-text" : "") },
      { label: "Miss SLO", num: true, value: ([w]) => (r.probability_miss_slo || {})[w], format: (v) => pct(v) },
    ], miss, { testid: "miss-table", compact: true }) : empty("No workloads.")),
    section("Outputs", "Every output's spread over the samples.", h("div", { class: "toolbar" }, filter), outHost),
    section("Inputs", null, table([
      { label: "Input", value: (i) => i.path },
      { label: "Affects", value: (i) => i.affects },
      { label: "From", value: (i) => i.origin },
      { label: "Nominal", num: true, value: (i) => i.nominal, format: (v) => num(v, 4) },
      { label: "Low", num: true, value: (i) => i.low, format: (v) => num(v, 4) },
      { label: "High", num: true, value: (i) => i.high, format: (v) => num(v, 4) },
    ], r.inputs || [], { testid: "sweep-inputs" })),
  );
}
