// Charts: the API sends each chart as a complete SVG string (fleetplan_io::charts, docs/charts.md).
// They come from our own server and carry no scripts; they are still parsed as XML and
// stripped of anything active (scripts, event handlers, foreign objects, external links) before
// they enter the page. They must use presentation attributes only: the strict
// Content-Security-Policy (style-src 'self') blocks `style` attributes and <style> elements
// already when the string is parsed, and the error collector reports that as a violation (the
// browser test fails on it). Hovering a `.fp-mark` shows a tooltip from its data-series /
// data-x / data-value attributes (or its <title>).

import { h, empty } from "./dom.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const DROP = new Set(["script", "foreignObject", "iframe", "object", "embed", "style", "link", "meta"]);

/** Parses an SVG string into a clean, importable <svg> element, or null when it is not SVG. */
export function parseSvg(markup) {
  const doc = new DOMParser().parseFromString(markup, "image/svg+xml");
  const root = doc.documentElement;
  if (!root || root.namespaceURI !== SVG_NS || root.localName !== "svg" || doc.getElementsByTagName("parsererror").length) return null;
  const walk = (el) => {
    for (const child of Array.from(el.children)) {
      if (DROP.has(child.localName)) {
        child.remove();
        continue;
      }
      walk(child);
    }
    for (const attr of Array.from(el.attributes)) {
      const n = attr.name.toLowerCase();
      if (n.startsWith("on")) el.removeAttribute(attr.name);
      else if ((n === "href" || n === "xlink:href") && !attr.value.startsWith("#")) el.removeAttribute(attr.name);
    }
  };
  walk(root);
  // A mark's <title> becomes its tooltip text (data-tip) and accessible name, so the browser's
  // own title tooltip does not show on top of ours.
  for (const mark of Array.from(root.querySelectorAll(".fp-mark"))) {
    const t = Array.from(mark.children).find((c) => c.localName === "title");
    if (t) {
      mark.setAttribute("data-tip", t.textContent.trim());
      mark.setAttribute("aria-label", t.textContent.trim());
      t.remove();
    }
  }
  // The chart's own <title> would be a tooltip over the whole chart: its text is the aria-label.
  for (const t of Array.from(root.children).filter((c) => c.localName === "title")) t.remove();
  return document.importNode(root, true);
}

/** One chart as a figure: title (answer-first, from the API) and the SVG. */
export function chartFigure(chart) {
  const svg = parseSvg(chart.svg || "");
  const fig = h("figure", { class: "chart", testid: "chart", dataset: { chartId: chart.id || "" } });
  if (!svg) {
    fig.append(empty(`Chart ${chart.id || ""} could not be shown (not SVG).`));
    return fig;
  }
  svg.classList.add("fp-chart");
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", chart.title || chart.id || "chart");
  fig.append(svg);
  return fig;
}

/** A grid of charts, or a hint when there are none. */
export function chartGrid(charts, testid = "charts") {
  if (!Array.isArray(charts) || charts.length === 0) return empty("No charts for this result.", `${testid}-empty`);
  return h("div", { class: "chart-grid", testid }, charts.map(chartFigure));
}

/** Installs the one tooltip handler for every chart in the page (event delegation). */
export function installTooltips() {
  const tip = document.getElementById("tooltip");
  if (!tip) return;
  let current = null;
  const hide = () => {
    tip.hidden = true;
    if (current) current.classList.remove("hover");
    current = null;
  };
  document.addEventListener("pointerover", (e) => {
    const mark = e.target instanceof Element ? e.target.closest(".fp-mark") : null;
    if (!mark) return;
    if (current && current !== mark) current.classList.remove("hover");
    current = mark;
    mark.classList.add("hover");
    const d = mark.dataset;
    const rows = [];
    if (d.series) rows.push(h("div", { class: "tip-series" }, d.series));
    if (d.tip) rows.push(h("div", { class: "tip-text" }, d.tip));
    else {
      if (d.x) rows.push(h("div", { class: "tip-x" }, d.x));
      if (d.value) rows.push(h("div", { class: "tip-value" }, d.value));
    }
    tip.replaceChildren(...rows);
    tip.hidden = rows.length === 0;
  });
  document.addEventListener("pointermove", (e) => {
    if (!current || tip.hidden) return;
    const pad = 14;
    const w = tip.offsetWidth;
    const x = e.clientX + pad + w > window.innerWidth ? e.clientX - pad - w : e.clientX + pad;
    tip.style.left = `${Math.max(4, x)}px`;
    tip.style.top = `${Math.max(4, e.clientY + pad)}px`;
  });
  document.addEventListener("pointerout", (e) => {
    if (current && e.target instanceof Element && e.target.closest(".fp-mark") === current && !(e.relatedTarget instanceof Element && current.contains(e.relatedTarget))) hide();
  });
  window.addEventListener("scroll", hide, { passive: true });
}
