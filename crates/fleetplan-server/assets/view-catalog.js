// Catalog view: GET /api/catalog; one search box filters chips, systems, models, regions, rules
// (and any other table the server sends), each entry with its source and confidence. Source
// links are anchors with rel="noreferrer noopener"; everything else is text.

import { api } from "./api.js";
import { h, replace, errorBox, empty } from "./dom.js";
import { num, compact } from "./fmt.js";

export const title = "Catalog";

let cached = null;

const FACTS = {
  chips: [["vendor", null], ["available", null], ["bf16_dense_tflops", "TFLOPS bf16"], ["mem_gb", "GB"], ["mem_bw_tbps", "TB/s"], ["tdp_w", "W"], ["classification_3a090", null]],
  systems: [["accelerator", null], ["accelerators_per_system", "chips"], ["host_power_w", "W host"], ["footprint", null]],
  models: [["model_kind", null], ["parameter_count", "params"], ["active_parameter_count", "active"], ["layers", "layers"], ["max_context_tokens", "ctx"]],
  regions: [["country", null], ["power_usd_per_kwh", "$/kWh"], ["pue", "PUE"], ["build_musd_per_mw", "$M/MW"], ["grid_gco2_per_kwh", "gCO₂/kWh"]],
  rules: [["issuer", null], ["effective", null], ["action", null], ["citation", null], ["summary", null]],
  engines: [["role", null]],
  lease_prices: [["accelerator", null], ["region", null], ["basis", null], ["from", "from"], ["price", "$/h"]],
  purchase_prices: [["accelerator", null], ["system", null], ["basis", null], ["from", "from"], ["price", "$"]],
};

/** A table name for people: `lease_prices` → "lease prices". */
const label = (name) => name.replace(/[_.]/g, " ");

/** Normalises the catalog document: { table: [entries] } whatever the server's shape. */
function tables(doc) {
  const out = {};
  for (const [name, v] of Object.entries(doc || {})) {
    if (Array.isArray(v)) out[name] = v.filter((e) => e && typeof e === "object");
    else if (v && typeof v === "object") {
      const vals = Object.values(v);
      // Keyed by id, or nested one level (prices: {lease: {...}, purchase: {...}}).
      if (vals.every((e) => e && typeof e === "object" && ("id" in e || "source" in e))) out[name] = vals;
      else for (const [sub, inner] of Object.entries(v)) if (inner && typeof inner === "object") out[`${name}.${sub}`] = Array.isArray(inner) ? inner : Object.values(inner);
    }
  }
  return out;
}

function factText(key, unit, v) {
  if (v === null || v === undefined || v === "") return null;
  if (typeof v === "number" && unit === "$/h") return `$${v.toFixed(2)} per accelerator-hour`;
  if (typeof v === "number") return unit === "$" ? `$${num(v, 0)}` : `${v >= 1e6 ? compact(v) : num(v, v < 10 ? 3 : 1)}${unit ? ` ${unit}` : ""}`;
  if (Array.isArray(v)) return v.join(", ");
  if (typeof v === "object") return null;
  return unit ? (unit === "from" ? `from ${v}` : `${v} ${unit}`) : String(v);
}

/** A source string as text with its URLs as links. */
function sourceNodes(src) {
  if (!src) return ["–"];
  const parts = String(src).split(/(https?:\/\/[^\s;,)]+)/g);
  return parts.filter(Boolean).map((p) => (/^https?:\/\//.test(p) ? h("a", { href: p, rel: "noreferrer noopener", target: "_blank" }, p) : p));
}

/** Renders the search box, the table chips and the entries. */
export async function render(page) {
  const search = h("input", { type: "search", placeholder: "Search ids, names, sources, notes…", testid: "catalog-search", class: "wide", "aria-label": "Search the catalog" });
  const kinds = h("div", { class: "kind-chips", testid: "catalog-kinds" });
  const conf = h("select", { testid: "catalog-confidence", "aria-label": "Confidence" },
    h("option", { value: "" }, "any confidence"), ["official", "press", "secondary", "estimate"].map((c) => h("option", { value: c }, c)));
  const count = h("span", { class: "muted", testid: "catalog-count" }, "");
  const list = h("div", { class: "catalog-list", testid: "catalog-list" });
  page.append(h("div", { class: "page-head" }, h("h1", {}, "Catalog"),
    h("p", { class: "note" }, "The built-in data every result rests on, with where each figure comes from and how sure it is (official, press, secondary, estimate).")),
  h("div", { class: "toolbar" }, search, conf, count), kinds, list);
  try {
    if (!cached) cached = tables(await api("GET", "/api/catalog"));
  } catch (e) {
    list.append(errorBox(e));
    return;
  }
  const names = Object.keys(cached).filter((k) => cached[k].length);
  let kind = "";
  const chipButtons = [["", "All"], ...names.map((n) => [n, label(n)])].map(([value, label]) => {
    const b = h("button", { type: "button", class: "kind-chip", dataset: { kind: value }, testid: "catalog-kind" }, label, " ", h("span", { class: "muted" }, value ? String(cached[value].length) : String(names.reduce((s, n) => s + cached[n].length, 0))));
    b.addEventListener("click", () => { kind = value; paint(); });
    return b;
  });
  kinds.append(...chipButtons);
  const index = [];
  for (const n of names) for (const e of cached[n]) index.push({ table: n, e, hay: JSON.stringify(e).toLowerCase() });
  const paint = () => {
    for (const b of chipButtons) b.classList.toggle("active", b.dataset.kind === kind);
    const terms = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const hits = index.filter((x) => (!kind || x.table === kind) && (!conf.value || x.e.confidence === conf.value) && terms.every((t) => x.hay.includes(t)));
    count.textContent = `${hits.length} entr${hits.length === 1 ? "y" : "ies"}`;
    if (!hits.length) return replace(list, empty("Nothing matches.", "catalog-empty"));
    replace(list, hits.slice(0, 150).map(entry), hits.length > 150 ? h("p", { class: "note" }, `${hits.length - 150} more: refine the search.`) : null);
  };
  search.addEventListener("input", paint);
  conf.addEventListener("change", paint);
  paint();
}

function entry({ table, e }) {
  const facts = (FACTS[table] || []).map(([k, unit]) => factText(k, unit, e[k])).filter(Boolean);
  if (!facts.length) {
    for (const [k, v] of Object.entries(e)) {
      if (["id", "name", "source", "confidence", "notes"].includes(k) || typeof v === "object") continue;
      const t = factText(k, null, v);
      if (t) facts.push(`${k}: ${t}`);
      if (facts.length >= 5) break;
    }
  }
  const notes = e.notes ? h("details", { class: "entry-notes" }, h("summary", {}, "Notes"), h("p", {}, e.notes)) : null;
  return h("article", { class: "entry", testid: "catalog-entry", dataset: { table, id: e.id || "" } },
    h("div", { class: "entry-head" },
      h("span", { class: "pill kind" }, label(table)),
      h("code", { class: "entry-id" }, e.id || "–"),
      e.name ? h("span", { class: "entry-name" }, e.name) : null,
      h("span", { class: "spacer" }),
      e.confidence ? h("span", { class: `pill conf conf-${e.confidence}`, testid: "catalog-confidence-pill" }, e.confidence) : null),
    facts.length ? h("div", { class: "facts" }, facts.map((f) => h("span", { class: "fact" }, f))) : null,
    h("div", { class: "source" }, h("span", { class: "source-label" }, "Source: "), sourceNodes(e.source)),
    notes);
}
