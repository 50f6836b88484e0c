// fleetplan dashboard: the entry module. Installs the error collector first, then the router
// (hash routes #/editor, #/evaluate, …), the nav bar and the scenario badge.

import "./errors.js";
import { takeTokenFromUrl } from "./api.js";
import { h, replace, errorBox } from "./dom.js";
import { installTooltips } from "./charts.js";
import { scenario, onScenario } from "./state.js";
import * as editor from "./view-editor.js";
import * as evaluate from "./view-evaluate.js";
import * as optimize from "./view-optimize.js";
import * as simulate from "./view-simulate.js";
import * as compare from "./view-compare.js";
import * as catalog from "./view-catalog.js";
import * as sweep from "./view-sweep.js";

const VIEWS = { editor, evaluate, optimize, simulate, compare, sweep, catalog };
let cleanup = null;

function currentRoute() {
  const m = /^#\/([a-z]+)/.exec(location.hash);
  return m && VIEWS[m[1]] ? m[1] : "editor";
}

async function route() {
  const name = currentRoute();
  const host = document.getElementById("view");
  if (typeof cleanup === "function") {
    try { cleanup(); } catch { /* a view's cleanup must not stop navigation */ }
  }
  cleanup = null;
  for (const a of document.querySelectorAll(".nav a")) a.classList.toggle("active", a.dataset.view === name);
  const page = h("div", { class: `page page-${name}`, testid: `view-${name}` });
  replace(host, page);
  document.title = `${VIEWS[name].title} · fleetplan`;
  try {
    cleanup = await VIEWS[name].render(page);
  } catch (e) {
    page.append(errorBox(e));
  }
  host.dataset.ready = name;
}

function badge() {
  const el = document.querySelector("[data-testid=scenario-badge]");
  if (!el) return;
  if (!scenario.text) {
    el.textContent = "no scenario loaded";
    return;
  }
  replace(el, h("span", { class: "muted" }, "scenario "), h("strong", {}, scenario.name || "pasted.toml"), scenario.edited ? h("span", { class: "pill warn" }, "edited") : null);
}

takeTokenFromUrl();
installTooltips();
onScenario(badge);
badge();
window.addEventListener("hashchange", route);
if (!location.hash) history.replaceState(null, "", "#/editor");
route();
