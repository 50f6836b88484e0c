// Compare view: two to six scenarios (allowed files and/or the editor's text) evaluated side by
// side (POST /api/compare): one column per scenario, and the charts.

import { api, postWithRetry } from "./api.js";
import { h, replace, section, errorBox, empty } from "./dom.js";
import { money, num, compact, mw, pct } from "./fmt.js";
import { chartGrid } from "./charts.js";
import { scenario, listFiles, results } from "./state.js";
import { cards } from "./common.js";

export const title = "Compare";

const ROWS = [
  ["Scenario", "scenario", (v) => v],
  ["Budget", "budget_usd", (v) => money(v, "USD")],
  ["Spend", "spend_usd", (v) => money(v, "USD")],
  ["Spend / budget", null, (v, s) => (s.budget_usd ? pct(s.spend_usd / s.budget_usd) : "–")],
  ["Accelerators (last quarter)", "accelerators_last_quarter", (v) => num(v)],
  ["IT power (last quarter)", "it_mw_last_quarter", mw],
  ["Dense PFLOPS bf16", "dense_pflops_bf16", (v) => num(v)],
  ["Dense PFLOPS fp8", "dense_pflops_fp8", (v) => num(v)],
  ["Dense PFLOPS fp4", "dense_pflops_fp4", (v) => num(v)],
  ["Chat capacity", "chat_capacity_output_tokens_per_day", (v) => `${compact(v)} tokens/day`],
  ["Cost per M output tokens", "usd_per_million_output_tokens", (v) => money(v, "USD")],
  ["Emissions", "tco2_per_year", (v) => `${compact(v)} tCO₂/yr`],
  ["Violations", "violations", (v) => num(v)],
];

/** Renders the picker and the last comparison. */
export async function render(page) {
  const out = h("div", { testid: "compare-result" });
  const picks = h("div", { class: "picks", testid: "compare-picks" });
  const run = h("button", { class: "btn primary", type: "button", testid: "run-compare" }, "Compare");
  const hint = h("span", { class: "muted" }, "");
  page.append(h("div", { class: "page-head" }, h("h1", {}, "Compare scenarios"),
    h("p", { class: "note" }, "Pick two to six scenarios: examples, files given to the server, or the editor's text. Each is evaluated; money is in USD so that scenarios in different currencies line up.")),
  section("Scenarios", null, picks, h("div", { class: "toolbar" }, run, hint)), out);
  let files = [];
  try {
    files = await listFiles();
  } catch (e) {
    out.append(errorBox(e));
  }
  const boxes = [];
  const add = (value, label, checked) => {
    const cb = h("input", { type: "checkbox", value, checked, testid: "compare-pick", dataset: { name: value } });
    boxes.push(cb);
    picks.append(h("label", { class: "pick" }, cb, " ", label));
  };
  if (scenario.text) add("@editor", h("span", {}, h("strong", {}, "editor text"), h("span", { class: "muted" }, ` (${scenario.name || "pasted"}${scenario.edited ? ", edited" : ""})`)), true);
  // Default picks: the editor's text and one other scenario with a fleet to evaluate (examples
  // known to have one first), or the first two files.
  const preferred = ["us-hyperscaler-2025.toml", "quickstart.toml", "bytedance-2025.toml"].filter((n) => n !== scenario.origin && files.some((f) => f.name === n));
  const defaults = new Set(scenario.text ? [preferred[0] || (files.find((f) => f.name !== scenario.origin) || {}).name] : files.slice(0, 2).map((f) => f.name));
  for (const f of files) add(f.name, h("span", {}, f.name, f.title && f.title !== f.name ? h("span", { class: "muted" }, ` — ${f.title}`) : null), defaults.has(f.name));
  const update = () => {
    const n = boxes.filter((b) => b.checked).length;
    run.disabled = n < 2 || n > 6;
    hint.textContent = n < 2 ? "pick at least two" : n > 6 ? "six at most" : `${n} scenarios`;
  };
  picks.addEventListener("change", update);
  update();
  run.addEventListener("click", async () => {
    run.disabled = true;
    replace(out, h("div", { class: "loading", testid: "loading" }, "Evaluating the scenarios…"));
    try {
      const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
      const scenarios = await Promise.all(chosen.map(async (name) => {
        if (name === "@editor") return { name: scenario.name || "editor.toml", text: scenario.text };
        const f = await api("GET", `/api/files/${encodeURIComponent(name)}`);
        return { name: f.name, text: f.text };
      }));
      const data = await postWithRetry("/api/compare", { scenarios });
      results.compare = { data, names: scenarios.map((s) => s.name) };
      show(out, data, results.compare.names);
    } catch (e) {
      replace(out, errorBox(e));
    } finally {
      update();
    }
  });
  if (results.compare) show(out, results.compare.data, results.compare.names);
  else out.append(empty("Pick scenarios and press Compare.", "compare-idle"));
}

function show(out, data, names) {
  const cols = (data.result && data.result.scenarios) || [];
  if (!cols.length) return replace(out, empty("Nothing to compare."));
  const cheapest = cols.reduce((b, s) => (s.usd_per_million_output_tokens && (!b || s.usd_per_million_output_tokens < b.usd_per_million_output_tokens) ? s : b), null);
  const thead = h("thead", {}, h("tr", {}, h("th", {}, ""), cols.map((s, i) => h("th", { class: "num" }, names[i] || `#${i + 1}`))));
  const tbody = h("tbody", {}, ROWS.map(([label, key, f]) => h("tr", {}, h("th", { scope: "row" }, label),
    cols.map((s) => h("td", { class: key === "scenario" ? "" : "num" }, key && (s[key] === null || s[key] === undefined) ? "–" : f(key ? s[key] : null, s))))));
  replace(out,
    cards([
      { label: "Scenarios", value: num(cols.length), sub: cols.map((s) => s.scenario).join(" · ") },
      { label: "Largest spend", value: money(Math.max(...cols.map((s) => s.spend_usd || 0)), "USD"), sub: (cols.reduce((a, b) => ((b.spend_usd || 0) > (a.spend_usd || 0) ? b : a)) || {}).scenario },
      { label: "Cheapest tokens", value: cheapest ? `${money(cheapest.usd_per_million_output_tokens, "USD")} / M` : "–", sub: cheapest ? cheapest.scenario : "no chat workloads" },
    ]),
    section("Side by side", null, h("div", { class: "table-wrap" }, h("table", { class: "data compare", testid: "compare-table" }, thead, tbody))),
    section("Charts", null, chartGrid(data.charts, "compare-charts")));
}
