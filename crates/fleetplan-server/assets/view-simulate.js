// Simulate view: the serving simulation as a job (POST /api/simulate); latency percentiles
// (TTFT, TPOT, end-to-end, queue wait), throughput and SLO attainment, pools, and the charts
// (histograms, time series).

import { h, append, replace, table, section, empty } from "./dom.js";
import { num, pct, compact, seconds } from "./fmt.js";
import { chartGrid } from "./charts.js";
import { scenario, results } from "./state.js";
import { viewHead, needScenario, cards, distinct } from "./common.js";
import { wireJob, jobOutcome } from "./jobs.js";

export const title = "Simulate";

/** Renders the settings, the job panel and the last simulation. */
export async function render(page) {
  const has = await needScenario();
  const chatNames = results.evaluate ? distinct((results.evaluate.data.result.workloads || []).filter((w) => w.kind === "chat").map((w) => w.workload)) : [];
  const workload = chatNames.length
    ? h("select", { testid: "sim-workload" }, h("option", { value: "" }, "the only chat workload"), chatNames.map((n) => h("option", { value: n }, n)))
    : h("input", { type: "text", testid: "sim-workload", placeholder: "the only chat workload", class: "medium" });
  if (chatNames.length > 1) workload.value = chatNames[0];
  const hours = h("input", { type: "number", min: "0.1", max: "168", step: "0.5", value: "2", testid: "sim-hours", class: "narrow" });
  const quarter = h("input", { type: "text", placeholder: "last", testid: "sim-quarter", class: "narrow" });
  const seed = h("input", { type: "number", min: "0", step: "1", value: "1", testid: "sim-seed", class: "narrow" });
  const requests = h("input", { type: "number", min: "1000", max: "10000000", step: "1000", value: "200000", testid: "sim-requests", class: "narrow", title: "Request budget of one replication: a large pool is sampled down to about this many requests" });
  const reps = h("input", { type: "number", min: "1", max: "16", step: "1", value: "1", testid: "sim-replications", class: "narrow" });
  const run = h("button", { class: "btn primary", type: "button", testid: "run-simulate" }, "Simulate");
  const jobHost = h("div", { testid: "simulate-job" });
  const out = h("div", { testid: "simulate-result" });
  append(page, [viewHead("Simulate serving", "Discrete-event simulation of one chat workload's serving fleet: latency percentiles, throughput and SLO attainment under load, with replica failures.", run),
    h("div", { class: "toolbar settings" },
      h("label", { class: "field" }, h("span", {}, "Workload"), workload),
      h("label", { class: "field" }, h("span", {}, "Hours of traffic"), hours),
      h("label", { class: "field" }, h("span", {}, "Quarter"), quarter),
      h("label", { class: "field" }, h("span", {}, "Requests"), requests),
      h("label", { class: "field" }, h("span", {}, "Seed"), seed),
      h("label", { class: "field" }, h("span", {}, "Replications"), reps)),
    chatNames.length ? null : h("p", { class: "note" }, "Tip: run Evaluate first to pick the workload from a list."),
    jobHost, out]);
  if (!has) {
    run.disabled = true;
    out.append(empty("Load a scenario in the editor first."));
    return;
  }
  wireJob("simulate", run, () => {
    const settings = { hours: Number(hours.value) || 2, seed: Number(seed.value) || 0, replications: Number(reps.value) || 1, requests: Number(requests.value) || 200000 };
    if (workload.value.trim()) settings.workload = workload.value.trim();
    if (quarter.value.trim()) settings.quarter = quarter.value.trim();
    return settings;
  }, jobHost, out, show);
  if (results.simulate) show(out, results.simulate.job);
  else out.append(empty("Press Simulate to run the serving simulation.", "simulate-idle"));
}

const METRICS = [["ttft", "Time to first token"], ["tpot", "Time per output token"], ["e2e", "End to end"], ["queue_wait", "Queue wait"]];

function show(out, job) {
  const bad = jobOutcome(job);
  if (bad) return replace(out, bad);
  const r = job.result || {};
  const s = r.summary || {};
  replace(out,
    h("div", { class: "result-title" }, h("h2", {}, `${r.workload || "workload"} · ${r.model || ""}`),
      h("span", { class: "muted" }, `${r.scenario || scenario.name} · ${r.quarter || ""} · ${num(r.hours, 1)} h of traffic · ${r.replications || 1} replication(s) · seed ${r.seed ?? "–"}`)),
    cards([
      { label: "SLO attainment", value: pct(s.slo_attainment), tone: s.slo_attainment < 0.99 ? "bad" : "good", sub: `${num(s.requests_completed)} of ${num(s.requests_arrived)} requests completed`, testid: "card-slo" },
      { label: "p99 time to first token", value: seconds(s.ttft && s.ttft.p99_s), sub: `p50 ${seconds(s.ttft && s.ttft.p50_s)}`, testid: "card-ttft" },
      { label: "p99 time per output token", value: seconds(s.tpot && s.tpot.p99_s), sub: `p50 ${seconds(s.tpot && s.tpot.p50_s)}`, testid: "card-tpot" },
      { label: "Throughput", value: `${num(s.throughput_rps, 1)} req/s`, sub: `${compact(s.output_tokens_per_s)} output tokens/s · goodput ${num(s.goodput_rps, 1)} req/s`, testid: "card-throughput" },
      { label: "Utilisation", value: pct(s.utilization), sub: `${num(s.requests_dropped)} dropped · ${num(s.failures)} failures · ${num(s.preemptions)} preemptions`, testid: "card-utilization" },
    ]),
    section("Latency percentiles", null, table([
      { label: "Metric", value: (m) => m[1] },
      ...["p50_s", "p90_s", "p99_s", "p999_s", "mean_s", "max_s"].map((k) => ({ label: k.replace("_s", "").replace("p999", "p99.9"), num: true, value: (m) => (s[m[0]] || {})[k], format: seconds })),
      { label: "Count", num: true, value: (m) => (s[m[0]] || {}).count, format: (v) => num(v) },
    ], METRICS.filter((m) => s[m[0]]), { testid: "latency-table" })),
    section("Charts", null, chartGrid(job.charts, "simulate-charts")),
    section("Pools", "Each serving pool simulated (a chip, layout and region); a share of a large pool's replicas may be simulated.", table([
      { label: "Chip", value: (p) => p.pool.chip },
      { label: "Region", value: (p) => p.pool.region },
      { label: "Precision", value: (p) => p.pool.precision },
      { label: "Layout", value: (p) => Object.entries(p.pool.layout || {}).map(([k, v]) => `${k}${v}`).join(" ") },
      { label: "Replicas", num: true, value: (p) => p.pool.replicas, format: (v) => num(v) },
      { label: "Simulated", num: true, value: (p) => p.fraction_simulated, format: (v) => pct(v, 0) },
      { label: "Mean load", num: true, value: (p) => p.pool.mean_requests_per_s, format: (v) => `${num(v, 1)} req/s` },
      { label: "p99 TTFT", num: true, value: (p) => p.summary && p.summary.ttft && p.summary.ttft.p99_s, format: seconds },
      { label: "SLO", num: true, value: (p) => p.summary && p.summary.slo_attainment, format: (v) => pct(v) },
    ], r.pools || [], { testid: "pools-table" })),
    (r.unserved || []).length ? section("Unserved", null, h("ul", { class: "notes" }, r.unserved.map((u) => h("li", {}, typeof u === "string" ? u : JSON.stringify(u))))) : null,
  );
}
