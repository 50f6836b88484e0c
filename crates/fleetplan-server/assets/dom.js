// DOM helpers: elements are built with createElement and textContent (never from HTML strings),
// so no text from a scenario or the API can become markup. The one exception is a chart's SVG,
// inserted by charts.js after parsing it as XML.

/**
 * Builds an element. `attrs` keys: `class`, `text`, `testid` (data-testid), `dataset` (object),
 * `on` (object of event listeners), `hidden`, anything else as an attribute.
 * Children: nodes, strings (text nodes), arrays, null/false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k === "testid") el.dataset.testid = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "on") for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === "hidden") el.hidden = Boolean(v);
    else if (k === "value") el.value = v;
    else if (k === "checked") el.checked = Boolean(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

/** Appends children (nodes, strings, nested arrays; null/false skipped). */
export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Removes every child of `el`, then appends `children`. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/**
 * A table. `columns`: [{label, value: row => any, format?: v => string, num?: bool, cls?: row => string}].
 * Numbers are right-aligned (class `num`).
 */
export function table(columns, rows, opts = {}) {
  const thead = h("thead", {}, h("tr", {}, columns.map((c) => h("th", { class: c.num ? "num" : "", title: c.title || null }, c.label))));
  const tbody = h("tbody", {});
  for (const row of rows) {
    const tr = h("tr", {});
    for (const c of columns) {
      const raw = c.value(row);
      const shown = c.format ? c.format(raw, row) : raw;
      const cls = [c.num ? "num" : "", c.cls ? c.cls(raw, row) : ""].filter(Boolean).join(" ");
      tr.append(h("td", { class: cls || null }, shown instanceof Node ? shown : shown === null || shown === undefined ? "–" : String(shown)));
    }
    tbody.append(tr);
  }
  const t = h("table", { class: "data" + (opts.compact ? " compact" : ""), testid: opts.testid || null }, thead, tbody);
  return h("div", { class: "table-wrap" }, t);
}

/** A titled section (card) with an optional note under the title. */
export function section(title, note, ...children) {
  return h("section", { class: "panel" }, h("h2", {}, title), note ? h("p", { class: "note" }, note) : null, children);
}

/** An empty-state or hint line. */
export function empty(text, testid) {
  return h("p", { class: "empty", testid: testid || null }, text);
}

/** A visible error box: `err` is an ApiError-like {code, message, diagnostics?} or an Error. */
export function errorBox(err, retry) {
  const code = err && err.code ? err.code : "error";
  const box = h("div", { class: "error-box", role: "alert", testid: "error-box", dataset: { code } },
    h("strong", {}, errorTitle(code, err)), " ", h("span", {}, err && err.message ? err.message : String(err)));
  if (err && Array.isArray(err.diagnostics) && err.diagnostics.length) {
    box.append(h("ul", { class: "diag-list" }, err.diagnostics.slice(0, 20).map((d) =>
      h("li", {}, h("span", { class: "loc" }, d.line ? `line ${d.line}:${d.column}` : "—"), " ", d.message, d.help ? h("span", { class: "help" }, ` — ${d.help}`) : null))));
    box.append(h("p", { class: "note" }, h("a", { href: "#/editor" }, "Open the editor"), " to fix the scenario."));
  }
  if (retry) box.append(" ", h("button", { class: "btn small", type: "button", on: { click: retry } }, "Retry"));
  return box;
}

function errorTitle(code, err) {
  switch (code) {
    case "invalid_scenario": return "The scenario has errors.";
    case "busy": case "queue_full": return `The server is busy${err && err.retryAfter ? ` (retry in ${err.retryAfter} s)` : ""}.`;
    case "network": return "Network error.";
    case "too_large": return "Too large.";
    case "timed_out": return "Timed out.";
    case "cancelled": return "Cancelled.";
    default: return "Error.";
  }
}

/** Debounce: `fn` runs `ms` after the last call. */
export function debounce(fn, ms) {
  let t = null;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}
