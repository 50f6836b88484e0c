// Pieces shared by the result views: the scenario line with the run button, summary cards,
// pivots of per-quarter rows, and grouping of findings.

import { h } from "./dom.js";
import { scenario, ensureScenario } from "./state.js";

/** The head of a result view: title, note, the scenario it runs on, and `controls`. */
export function viewHead(titleText, note, ...controls) {
  return h("div", { class: "page-head" },
    h("h1", {}, titleText),
    note ? h("p", { class: "note" }, note) : null,
    h("div", { class: "toolbar" },
      h("span", { class: "muted" }, "Scenario: "),
      h("strong", { testid: "view-scenario" }, scenario.name || "none"),
      scenario.edited ? h("span", { class: "pill warn" }, "edited") : null,
      h("a", { href: "#/editor", class: "muted small-link" }, "change"),
      h("span", { class: "spacer" }), controls));
}

/** Makes sure a scenario is loaded (the default example otherwise). */
export async function needScenario() {
  await ensureScenario();
  return Boolean(scenario.text);
}

/**
 * Summary cards: [{label, value, sub?, tone? ("good"|"warn"|"bad"), meter? (0..1), testid?}].
 */
export function cards(list) {
  return h("div", { class: "cards", testid: "summary-cards" }, list.map((c) =>
    h("div", { class: `card ${c.tone || ""}`, testid: c.testid || "summary-card" },
      h("div", { class: "card-label" }, c.label),
      h("div", { class: "card-value" }, c.value),
      c.meter !== undefined && c.meter !== null ? meter(c.meter) : null,
      c.sub ? h("div", { class: "card-sub" }, c.sub) : null)));
}

function meter(f) {
  const fill = h("div", { class: `meter-fill${f > 1 ? " over" : ""}` });
  fill.style.width = `${Math.round(Math.min(1, Math.max(0, f)) * 100)}%`;
  return h("div", { class: "meter" }, fill);
}

/** A select of quarters (last one chosen); `onChange(q)`. */
export function quarterSelect(quarters, onChange, testid = "quarter-select") {
  const sel = h("select", { testid, "aria-label": "Quarter" }, quarters.map((q) => h("option", { value: q }, q)));
  sel.value = quarters[quarters.length - 1] || "";
  sel.addEventListener("change", () => onChange(sel.value));
  return h("label", { class: "field" }, h("span", {}, "Quarter"), sel);
}

/** Distinct values in first-seen order. */
export function distinct(values) {
  return Array.from(new Set(values));
}

/** A coverage cell class: ok ≥ 0.999, warn ≥ 0.9, bad otherwise. */
export function coverageClass(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "";
  return v >= 0.999 ? "cov-ok" : v >= 0.9 ? "cov-warn" : "cov-bad";
}

/** Tabs: [{label, render: () => Node}] → a tab strip and a body (first tab shown). */
export function tabs(list, testid = "tabs") {
  const body = h("div", { class: "tab-body" });
  const strip = h("div", { class: "tabs", role: "tablist", testid });
  const buttons = list.map((t, i) => h("button", { type: "button", role: "tab", class: "tab", dataset: { tab: t.id || String(i) }, on: { click: () => show(i) } }, t.label));
  strip.append(...buttons);
  const show = (i) => {
    buttons.forEach((b, j) => { b.classList.toggle("active", i === j); b.setAttribute("aria-selected", String(i === j)); });
    body.replaceChildren(list[i].render());
  };
  if (list.length) show(0);
  return h("div", { class: "tabbed" }, strip, body);
}

/** A list of findings (violations or advisories) with their fixes, filterable by kind. */
export function findings(items, testid, emptyText) {
  if (!items || !items.length) return h("p", { class: "empty ok-text", testid: `${testid}-empty` }, emptyText);
  const kinds = distinct(items.map((v) => v.kind));
  const list = h("ul", { class: "findings", testid });
  const filter = h("select", { "aria-label": "Kind" }, h("option", { value: "" }, `all kinds (${items.length})`),
    kinds.map((k) => h("option", { value: k }, `${k} (${items.filter((v) => v.kind === k).length})`)));
  let limit = 40;
  const more = h("button", { type: "button", class: "btn secondary small" }, "Show all");
  const paint = () => {
    const chosen = items.filter((v) => !filter.value || v.kind === filter.value);
    list.replaceChildren(...chosen.slice(0, limit).map((v) => h("li", { class: "finding", testid: `${testid}-item` },
      h("div", {}, h("span", { class: "pill" }, v.kind), v.subject ? h("strong", {}, ` ${v.subject}`) : null, v.quarter ? h("span", { class: "muted" }, ` · ${v.quarter}`) : null),
      h("div", { class: "finding-msg" }, v.message),
      v.fix ? h("div", { class: "fix" }, h("span", { class: "fix-label" }, "Fix: "), v.fix) : null)));
    more.hidden = chosen.length <= limit;
    more.textContent = `Show all ${chosen.length}`;
  };
  filter.addEventListener("change", paint);
  more.addEventListener("click", () => { limit = Infinity; paint(); });
  paint();
  return h("div", {}, kinds.length > 1 ? h("div", { class: "toolbar" }, h("label", { class: "field" }, h("span", {}, "Kind"), filter)) : null, list, more);
}
